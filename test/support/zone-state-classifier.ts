// A real clean/garbage zone-state classifier for tests: trained by the product's own trainer
// (`npm run train -- classifier`, real backbone) on snapshots made from real photos (pavement of
// darknet's dog.jpg and person.jpg, with and without a real plastic bag cut from labelme's
// 2011_000003.jpg), and the dog.jpg frames a watch zone over its bottom-left pavement sees.
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { Frame } from '../../contracts/types.ts';
import { GARBAGE_STATE } from '../../pipeline/background/zone-state.ts';
import { runScript } from './run-script.ts';
import { samplePath } from './samples.ts';

const BAG = { left: 231, top: 0, width: 26, height: 27 };
/** The watch zone: dog.jpg's pavement at the bottom left, 230x116 px of 768x576. */
export const ZONE_PIXELS = { left: 0, top: 460, width: 230, height: 116 };
export const ZONE_POLYGON: Array<[number, number]> = [
  [ZONE_PIXELS.left / 768, ZONE_PIXELS.top / 576],
  [(ZONE_PIXELS.left + ZONE_PIXELS.width) / 768, ZONE_PIXELS.top / 576],
  [(ZONE_PIXELS.left + ZONE_PIXELS.width) / 768, 1],
  [ZONE_PIXELS.left / 768, 1],
];

async function bag(width: number, height: number): Promise<Buffer> {
  return sharp(samplePath('labelme/annotated/2011_000003.jpg')).extract(BAG).resize(width, height).png().toBuffer();
}

/** Snapshots of pavement (clean) and the same with the bag on it (garbage), named <source>__<n>. */
async function writeSnapshots(root: string): Promise<void> {
  const sources: Array<[string, { width: number; height: number }]> = [
    ['darknet/dog.jpg', { width: 768, height: 576 }],
    ['darknet/person.jpg', { width: 640, height: 424 }],
  ];
  await mkdir(path.join(root, 'clean'), { recursive: true });
  await mkdir(path.join(root, GARBAGE_STATE), { recursive: true });
  let n = 0;
  for (const [file, size] of sources) {
    const source = path.basename(file, '.jpg');
    for (let i = 0; i < 14; i++) {
      const w = 120 + ((i * 37) % 110);
      const h = Math.round(w * 0.5);
      const left = (i * 53) % (size.width - w);
      const top = size.height - h - ((i * 17) % 40);
      const crop = await sharp(samplePath(file)).extract({ left, top, width: w, height: h }).png().toBuffer();
      await sharp(crop).jpeg().toFile(path.join(root, 'clean', `${source}__${n}.jpg`));
      const bw = Math.round(w * (0.3 + (i % 4) * 0.08));
      const bh = Math.round(bw * 1.04);
      const litter = await sharp(crop).composite([{ input: await bag(bw, Math.min(bh, h)), left: (i * 29) % (w - bw), top: Math.max(0, h - Math.min(bh, h) - (i % 3) * 4) }]).jpeg().toBuffer();
      await sharp(litter).toFile(path.join(root, GARBAGE_STATE, `${source}__${n}.jpg`));
      n++;
    }
  }
}

/** A manifest entry as JSON (what a manifest file holds), its files absolute. */
export type ManifestItem = Record<string, unknown> & { id: string; file: string; labels: string };

/** Trains the classifier in dir; its manifest entry as the trainer wrote it, with absolute paths. */
export async function trainZoneStateClassifier(dir: string, id: string): Promise<ManifestItem> {
  const crops = path.join(dir, 'zoneState');
  await writeSnapshots(crops);
  const out = path.join(dir, 'model');
  const { code, stderr } = await runScript('scripts/train.ts', ['classifier', '--crops', crops, '--id', id, '--out', out, '--attribute', 'zoneState', '--applies-to', 'zone']);
  if (code !== 0) throw new Error(`training the zone-state classifier failed (exit ${code}): ${stderr}`);
  const written = JSON.parse(await readFile(path.join(out, 'manifest.json'), 'utf8')) as { models: Array<Record<string, unknown>> };
  const entry = written.models.find((m) => m.id === id);
  if (!entry) throw new Error(`the trainer's manifest in ${out} has no classifier "${id}"`);
  return { ...entry, id, file: path.resolve(out, String(entry.file)), labels: path.resolve(out, String(entry.labels)) };
}

/** dog.jpg as it is, and with the bag lying in the watch zone. */
export async function zonePictures(): Promise<{ clean: Buffer; littered: Buffer }> {
  const clean = await sharp(samplePath('darknet/dog.jpg')).png().toBuffer();
  const littered = await sharp(clean).composite([{ input: await bag(90, 94), left: 60, top: 474 }]).png().toBuffer();
  return { clean, littered };
}

export async function pictureFrame(picture: Buffer, capturedAt: Date, sourceId = 'zone-cam'): Promise<Frame> {
  const { data, info } = await sharp(picture).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { sourceId, capturedAt, width: info.width, height: info.height, pixels: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}
