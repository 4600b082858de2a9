// `npm run bench:survey [-- --image FILE --images N --gsd CM --model ID --sweep]`: how many 4000x3000
// drone photos a minute this machine analyses with tiled detection as the survey worker runs it (the
// manifest's maxBatch, GSD-aware resampling when --gsd states the photo's GSD, one photo after
// another), and where the time goes. --sweep also measures batch sizes 1, 2, 4, 8, one against two
// intra-op threads, graph optimisation levels and the next photo decoded while this one is
// inferred, each on the same photo in this one run. --model measures another detector of the
// manifest (e.g. nanodet-coco-416 for fp32 where surveys run int8) than the survey's own. Prints figures measured in this run;
// asserts nothing.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { Frame } from '../contracts/types.ts';
import { int8ExactHere } from '../models/int8-exact.ts';
import { findModel, loadManifest, type ModelEntry } from '../models/manifest.ts';
import { surveyModel } from '../models/survey-stand-in.ts';
import { createDetector, type DetectorOptions } from '../pipeline/detect/detector.ts';
import { resampleFactor } from '../pipeline/survey/survey-scale.ts';
import { detectTiled } from '../pipeline/survey/tiled-detection.ts';
import { parseCli, usageError } from './cli/args.ts';

const cli = { command: 'npm run bench:survey', usage: 'usage: npm run bench:survey [-- --image FILE --images 4 --gsd 1.5 --model ID --sweep]' };
const { values } = parseCli({
  ...cli,
  options: { image: { type: 'string' }, images: { type: 'string', default: '4' }, gsd: { type: 'string' }, model: { type: 'string' }, sweep: { type: 'boolean', default: false } },
});
const count = Number(values.images);
if (!(Number.isInteger(count) && count >= 1)) usageError(cli, `--images must be a whole number from 1, got "${values.images}"`);
const gsd = values.gsd === undefined ? undefined : Number(values.gsd);
if (gsd !== undefined && !(gsd > 0 && Number.isFinite(gsd))) usageError(cli, `--gsd must be a positive number of centimetres per pixel, got "${values.gsd}"`);
const manifest = await loadManifest();
// Without --model, the detector the survey worker runs here: the default, or its int8 stand-in where
// int8 is exact on this CPU (models/survey-stand-in.ts).
const model = (() => {
  try {
    return values.model ? findModel(manifest, values.model) : surveyModel(findModel(manifest), manifest.models, int8ExactHere());
  } catch (error) {
    return usageError(cli, `--model: ${(error as Error).message}`);
  }
})();
const root = path.resolve(import.meta.dirname, '..');
// A real photo (darknet's kite.jpg, a beach with people) scaled to a 12-megapixel drone frame, unless
// --image names one.
const jpeg = values.image
  ? await readFile(values.image)
  : await sharp(path.join(root, 'samples/cache/darknet/kite.jpg')).resize(4000, 3000, { fit: 'fill' }).jpeg({ quality: 92 }).toBuffer();

interface Config {
  name: string;
  model: ModelEntry;
  session: DetectorOptions;
  /** Decode the next photo while this one is inferred, as a worker with a queue of photos can. */
  overlapDecode: boolean;
}

interface Measured {
  config: Config;
  perMinute: number;
  tiles: number;
  batch: number;
  scale: number;
  found: number;
  stages: Record<'decode' | 'resample' | 'tiling' | 'inference' | 'merge', number>;
}

const decode = async (): Promise<{ frame: Frame; ms: number }> => {
  const t = performance.now();
  const { data, info } = await sharp(jpeg).autoOrient().removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { frame: { sourceId: 'bench', capturedAt: new Date(), width: info.width, height: info.height, pixels: data }, ms: performance.now() - t };
};

async function measure(config: Config): Promise<Measured> {
  const detector = await createDetector(config.model, config.session);
  const scale = resampleFactor(gsd, config.model.input.gsdCm);
  const stages = { decode: 0, resample: 0, tiling: 0, inference: 0, merge: 0 };
  let tiles = 0;
  let found = 0;
  const started = performance.now();
  let next = decode();
  for (let i = 0; i < count; i++) {
    const { frame, ms } = await next;
    stages.decode += ms;
    if (config.overlapDecode && i + 1 < count) next = decode();
    const result = await detectTiled(detector, frame, { scale });
    if (!config.overlapDecode && i + 1 < count) next = decode();
    stages.resample += result.timings.resampleMs;
    stages.tiling += result.timings.tilingMs;
    stages.inference += result.timings.inferenceMs;
    stages.merge += result.timings.mergeMs;
    tiles = result.timings.tiles;
    found = result.detections.length;
    process.stderr.write(`\r${config.name}: ${i + 1}/${count} images\x1b[K`);
  }
  const wall = performance.now() - started;
  process.stderr.write('\n');
  await detector.close();
  for (const k of Object.keys(stages) as (keyof typeof stages)[]) stages[k] /= count;
  return { config, perMinute: (count * 60_000) / wall, tiles, batch: detector.maxBatch, scale, found, stages };
}

const withBatch = (maxBatch: number): ModelEntry => ({ ...model, input: { ...model.input, maxBatch } });
// The survey worker's way (pipeline/survey/worker.ts, concurrency 1): decode, then detect.
const product: Config = { name: 'survey worker', model, session: {}, overlapDecode: false };
const configs: Config[] = [product];
if (values.sweep) {
  for (const b of [1, 2, 4, 8]) configs.push({ name: `batch ${b}`, model: withBatch(b), session: {}, overlapDecode: false });
  configs.push(
    { name: 'threads 1', model, session: { threads: 1 }, overlapDecode: false },
    { name: 'threads 2', model, session: { threads: 2 }, overlapDecode: false },
    { name: 'graph opt basic', model, session: { graphOptimization: 'basic' }, overlapDecode: false },
    { name: 'graph opt disabled', model, session: { graphOptimization: 'disabled' }, overlapDecode: false },
    { name: 'decode overlapped', model, session: {}, overlapDecode: true },
  );
}

const results: Measured[] = [];
for (const config of configs) results.push(await measure(config));

const meta = await sharp(jpeg).metadata();
const main = results[0]!;
const resampled = main.scale < 1 ? `resampled ×${main.scale.toFixed(3)} (photo ${gsd} cm/px, model suits ${model.input.gsdCm} cm/px), ` : gsd === undefined ? 'at its own resolution (no --gsd), ' : `at its own resolution (${gsd} cm/px is no finer than the model's ${model.input.gsdCm}), `;
console.log(`model ${model.id}, ${meta.width}x${meta.height} JPEG ${resampled}${main.tiles} tiles of ${model.input.width}x${model.input.height} (20% overlap) + 1 whole-image pass, batch ${main.batch}, ${count} images per configuration`);
console.log(`images per minute: ${main.perMinute.toFixed(1)}  (${(60 / main.perMinute).toFixed(2)} s per image, ${main.found} detections on the last)`);
const stageSum = Object.values(main.stages).reduce((a, b) => a + b, 0);
for (const [stage, ms] of Object.entries(main.stages)) {
  console.log(`  ${stage.padEnd(10)} ${ms.toFixed(0).padStart(6)} ms per image  ${((100 * ms) / stageSum).toFixed(1).padStart(5)}%${stage === 'decode' && product.overlapDecode ? '  (overlapped with the previous image\'s inference)' : ''}`);
}
if (results.length > 1) {
  console.log('\nconfiguration            images/min  tiles  batch  inference ms/tile');
  for (const r of results) {
    console.log(`${r.config.name.padEnd(24)} ${r.perMinute.toFixed(1).padStart(10)} ${String(r.tiles).padStart(6)} ${String(r.batch).padStart(6)} ${(r.stages.inference / (r.tiles + 1)).toFixed(1).padStart(18)}`);
  }
}
