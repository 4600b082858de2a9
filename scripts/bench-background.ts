// `npm run bench:background [-- --frames N]`: what the left-behind watch costs a camera. Measures,
// in one run: milliseconds per analysed frame of the watch (grey copy, comparison with the scene,
// regions, learning) at 768x576 (darknet's dog.jpg) and 1280x720 (the same scaled), with a real
// bag dropped on the pavement half-way so candidates are timed too. Prints figures only.
import path from 'node:path';
import sharp from 'sharp';
import type { CameraConfig } from '../contracts/camera.ts';
import type { Frame } from '../contracts/types.ts';
import { createLeftBehindWatch } from '../pipeline/background/left-behind.ts';
import { parseCli } from './cli/args.ts';

const { values } = parseCli({
  command: 'npm run bench:background',
  usage: 'usage: npm run bench:background [-- --frames 200]',
  options: { frames: { type: 'string', default: '200' } },
});
const frames = Number(values.frames);
if (!Number.isInteger(frames) || frames < 10) throw new Error(`--frames must be a whole number of at least 10, got ${values.frames}`);
const root = path.resolve(import.meta.dirname, '..');
const sample = (p: string) => path.join(root, 'samples/cache', p);

const camera: Pick<CameraConfig, 'id' | 'zones' | 'rules'> = {
  id: 'bench',
  zones: [{ id: 'pavement', kind: 'watch', polygon: [[0, 0.5], [1, 0.5], [1, 1], [0, 1]], persistSeconds: 60 }],
};

async function pictures(width: number, height: number): Promise<[Uint8Array, Uint8Array]> {
  const scene = await sharp(sample('darknet/dog.jpg')).resize(width, height).png().toBuffer();
  const bag = await sharp(sample('labelme/annotated/2011_000003.jpg')).extract({ left: 231, top: 0, width: 26, height: 27 }).resize(Math.round(width / 12), Math.round(width / 12)).png().toBuffer();
  const raw = async (b: Buffer) => new Uint8Array(await sharp(b).removeAlpha().raw().toBuffer());
  return [await raw(scene), await raw(await sharp(scene).composite([{ input: bag, left: Math.round(width * 0.1), top: Math.round(height * 0.8) }]).png().toBuffer())];
}

for (const [width, height] of [[768, 576], [1280, 720]] as const) {
  const [empty, bagged] = await pictures(width, height);
  const watch = createLeftBehindWatch(camera);
  const frame = (i: number): Frame => ({ sourceId: 'bench', capturedAt: new Date(i * 2000), width, height, pixels: i < frames / 2 ? empty : bagged });
  // Warm-up: the scene is learned and the JIT has seen the code.
  for (let i = 0; i < 10; i++) watch.update(frame(i), []);
  let raised = 0;
  const started = performance.now();
  for (let i = 10; i < frames + 10; i++) raised += watch.update(frame(i), []).length;
  const ms = (performance.now() - started) / frames;
  console.log(`left-behind watch ${width}x${height}: ${ms.toFixed(1)} ms per analysed frame over ${frames} frames (${raised} case raised)`);
}
