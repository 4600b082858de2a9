// Zone-state classifiers end to end: a clean/garbage classifier trained by the product's own
// trainer (`npm run train -- classifier`, real backbone) on snapshots the test makes from real
// photos (pavement of darknet's dog.jpg and person.jpg, with and without a real plastic bag cut
// from labelme's 2011_000003.jpg), then a watch zone of dog.jpg classified on its schedule.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCameraConfig, type CameraConfig } from '../../contracts/camera.ts';
import type { Frame } from '../../contracts/types.ts';
import { loadManifest } from '../../models/manifest.ts';
import { createZoneStateWatch, GARBAGE_STATE, type ZoneStateFinding } from '../../pipeline/background/zone-state.ts';
import { createCameraDetector } from '../../pipeline/cameras/camera-detector.ts';
import { queueDetector } from '../../pipeline/cameras/detector-queue.ts';
import { createFrameAnalysis } from '../../pipeline/cameras/frame-analysis.ts';
import { createClassifier, type Classifier } from '../../pipeline/classify/classifier.ts';
import type { Violation } from '../../contracts/types.ts';
import { captureLogger } from '../support/capture-logger.ts';
import { runScript } from '../support/run-script.ts';
import { samplePath } from '../support/samples.ts';

const BAG = { left: 231, top: 0, width: 26, height: 27 };
/** The watch zone: dog.jpg's pavement at the bottom left, 230x116 px. */
const ZONE = { left: 0, top: 460, width: 230, height: 116 };
const T0 = Date.UTC(2026, 4, 4, 2);

let dir: string;
let classifier: Classifier;
let clean: Buffer;
let littered: Buffer;

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
    // Ground near the bottom of each photo, at several places and sizes.
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

async function frame(picture: Buffer, t: number): Promise<Frame> {
  const { data, info } = await sharp(picture).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { sourceId: 'zone-cam', capturedAt: new Date(T0 + t * 1000), width: info.width, height: info.height, pixels: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'zone-state-'));
  const crops = path.join(dir, 'zoneState');
  await writeSnapshots(crops);
  const out = path.join(dir, 'model');
  const { code, stderr } = await runScript('scripts/train.ts', ['classifier', '--crops', crops, '--id', 'zone-state-test', '--out', out, '--attribute', 'zoneState', '--applies-to', 'zone']);
  expect(code, stderr).toBe(0);
  const entry = (await loadManifest(path.join(out, 'manifest.json'))).classifiers.find((c) => c.id === 'zone-state-test')!;
  expect(entry.labels.sort()).toEqual(['clean', GARBAGE_STATE]);
  classifier = await createClassifier(entry, { threads: 1 });
  clean = await sharp(samplePath('darknet/dog.jpg')).png().toBuffer();
  littered = await sharp(clean).composite([{ input: await bag(90, 94), left: 60, top: 474 }]).png().toBuffer();
}, 300_000);

afterAll(async () => {
  await classifier?.close();
  await rm(dir, { recursive: true, force: true });
});

const camera = (zone: Record<string, unknown> = {}): CameraConfig =>
  parseCameraConfig(
    {
      id: 'zone-cam',
      url: 'rtsp://127.0.0.1/x',
      zones: [{ id: 'bins', kind: 'watch', polygon: [[ZONE.left / 768, ZONE.top / 576], [(ZONE.left + ZONE.width) / 768, ZONE.top / 576], [(ZONE.left + ZONE.width) / 768, 1], [ZONE.left / 768, 1]], classifier: 'zone-state-test', classifyEverySeconds: 10, persistSeconds: 30, ...zone }],
    },
    'test',
  );

async function replay(config: CameraConfig, steps: Array<[number, Buffer]>, source = async (id: string) => (id === 'zone-state-test' ? classifier : undefined)) {
  const { logger, lines } = captureLogger();
  const watch = createZoneStateWatch(config, source, logger);
  const found: Array<ZoneStateFinding & { t: number }> = [];
  const verdicts: Array<[number, string | undefined]> = [];
  for (const [t, picture] of steps) {
    for (const f of await watch.update(await frame(picture, t))) found.push({ ...f, t });
    verdicts.push([t, watch.verdict('bins')?.label]);
  }
  return { found, verdicts, lines };
}

describe('zone-state watch', () => {
  it('judges the zone on its schedule, raises exposed_garbage once per garbage episode after persistSeconds', async () => {
    // Frames every 5 s; the bag lies there from 20 s to 85 s and again from 120 s.
    const steps: Array<[number, Buffer]> = Array.from({ length: 37 }, (_, i) => i * 5).map((t) => [t, (t >= 20 && t < 90) || t >= 120 ? littered : clean]);
    const { found, verdicts } = await replay(camera(), steps);
    // Classified every 10 s of scene time: the verdict changes only on those frames.
    expect(verdicts.find(([t]) => t === 0)![1]).toBe('clean');
    expect(verdicts.find(([t]) => t === 20)![1]).toBe(GARBAGE_STATE);
    expect(verdicts.find(([t]) => t === 15)![1]).toBe('clean');
    expect(found.map((f) => f.t)).toEqual([50, 150]);
    const first = found[0]!;
    expect(first.event).toMatchObject({ type: 'exposed_garbage', zoneId: 'bins', modelId: 'zone-state-test', attributes: { zoneState: GARBAGE_STATE, zoneStateModelId: 'zone-state-test', foundBy: 'zone-state' } });
    expect(first.event.startedAt.getTime() - T0).toBe(20_000);
    // The evidence before: the last frame judged clean.
    expect(first.before.capturedAt.getTime() - T0).toBe(10_000);
    expect(first.event.box).toEqual([ZONE.left, ZONE.top, ZONE.left + ZONE.width, 576]);
  }, 120_000);

  it('watches nothing without a usable classifier, and says why once', async () => {
    const steps: Array<[number, Buffer]> = Array.from({ length: 12 }, (_, i) => [i * 5, littered]);
    const missing = await replay(camera({ classifier: 'no-such-model' }), steps);
    expect(missing.found).toEqual([]);
    expect(missing.lines.filter((l) => l.includes('zone-state classifier not in the manifest'))).toHaveLength(1);
    const broken = await replay(camera(), steps, async () => {
      throw new Error('zone-state-test.onnx: sha256 does not match');
    });
    expect(broken.found).toEqual([]);
    expect(broken.lines.filter((l) => l.includes('sha256 does not match'))).toHaveLength(1);
  }, 60_000);

  it('is off for a camera whose rules.exposed_garbage.enabled is false', async () => {
    const config = { ...camera(), rules: { exposed_garbage: { enabled: false } } };
    const steps: Array<[number, Buffer]> = Array.from({ length: 12 }, (_, i) => [i * 5, littered]);
    expect((await replay(config, steps)).found).toEqual([]);
  }, 60_000);
});

describe('a watch zone in the camera path (real detector, tracker, background, classifier)', () => {
  it('gives one case for the bag: the left-behind thing, carrying the zone verdict, and no second case from the zone state', async () => {
    const detector = await createCameraDetector({ threads: 1 });
    try {
      const violations: Violation[] = [];
      const { logger } = captureLogger();
      const analyse = createFrameAnalysis({
        // Classified every 20 s: garbage from 20 s, due as zone state at 60 s; the bag is due as left behind at 50 s.
        config: camera({ classifyEverySeconds: 20 }),
        detector: queueDetector(detector),
        sink: async (v) => void violations.push(v),
        logger,
        embedder: null,
        zoneClassifiers: async (id) => (id === 'zone-state-test' ? classifier : undefined),
      });
      for (let t = 0; t <= 100; t += 5) await analyse(await frame(t < 20 ? clean : littered, t));
      const garbage = violations.filter((v) => v.type === 'exposed_garbage');
      expect(garbage).toHaveLength(1);
      expect(garbage[0]).toMatchObject({ zoneId: 'bins', label: 'unidentified object left behind', attributes: { zoneState: GARBAGE_STATE, zoneStateModelId: 'zone-state-test', foundBy: 'background' } });
      expect(garbage[0]!.observedAt.getTime() - T0).toBe(50_000);
      expect(garbage[0]!.evidenceFrames[0]!.capturedAt.getTime() - T0).toBe(15_000);
    } finally {
      await detector.close();
    }
  }, 120_000);
});
