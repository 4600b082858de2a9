// `npm run bench:survey [-- --image FILE --images N]`: how many 4000x3000 drone photos a minute this
// machine analyses with tiled detection, and where the time goes (decode, tiling, inference, merge).
// Prints figures measured in this run; asserts nothing.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { findModel, loadManifest } from '../models/manifest.ts';
import { createDetector } from '../pipeline/detect/detector.ts';
import { detectTiled } from '../pipeline/survey/tiled-detection.ts';
import { parseCli } from './cli/args.ts';

const { values } = parseCli({
  command: 'npm run bench:survey',
  usage: 'usage: npm run bench:survey [-- --image FILE --images 5]',
  options: { image: { type: 'string' }, images: { type: 'string', default: '5' } },
});
const count = Number(values.images);
const root = path.resolve(import.meta.dirname, '..');
// A real photo (darknet's kite.jpg, a beach with people) scaled to a 12-megapixel drone frame, unless
// --image names one.
const jpeg = values.image
  ? await readFile(values.image)
  : await sharp(path.join(root, 'samples/cache/darknet/kite.jpg')).resize(4000, 3000, { fit: 'fill' }).jpeg({ quality: 92 }).toBuffer();
const model = findModel(await loadManifest());
const detector = await createDetector(model);

const totals = { decodeMs: 0, tilingMs: 0, inferenceMs: 0, mergeMs: 0 };
let tiles = 0;
let found = 0;
const started = performance.now();
for (let i = 0; i < count; i++) {
  let t = performance.now();
  const { data, info } = await sharp(jpeg).autoOrient().removeAlpha().raw().toBuffer({ resolveWithObject: true });
  totals.decodeMs += performance.now() - t;
  const frame = { sourceId: 'bench', capturedAt: new Date(), width: info.width, height: info.height, pixels: data };
  const result = await detectTiled(detector, frame);
  totals.tilingMs += result.timings.tilingMs;
  totals.inferenceMs += result.timings.inferenceMs;
  totals.mergeMs += result.timings.mergeMs;
  tiles = result.timings.tiles;
  found = result.detections.length;
  process.stderr.write(`\r${i + 1}/${count} images`);
}
process.stderr.write('\n');
const wall = performance.now() - started;
const meta = await sharp(jpeg).metadata();
console.log(`model ${model.id}, ${meta.width}x${meta.height} JPEG, ${tiles} tiles of ${model.input.width}x${model.input.height} (20% overlap) + 1 whole-image pass, ${count} images`);
console.log(`images per minute: ${((count * 60_000) / wall).toFixed(1)}  (${(wall / count / 1000).toFixed(2)} s per image, ${found} detections on the last)`);
const sum = Object.values(totals).reduce((a, b) => a + b, 0);
for (const [stage, ms] of Object.entries(totals)) {
  console.log(`  ${stage.replace('Ms', '').padEnd(10)} ${(ms / count).toFixed(0).padStart(6)} ms per image  ${((100 * ms) / sum).toFixed(1).padStart(5)}%`);
}
await detector.close();
