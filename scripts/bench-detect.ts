// `npm run bench:detect [-- --image FILE --runs N --threads N]`: where the time of one detection goes.
// Measures, in one run on one 1920x1080 JPEG: the bare session.run on a prepared tensor, the full
// detect() (decode+resize, run, decode outputs, NMS) and each stage's share, and prints full/bare.
// Prints figures only; nothing here asserts on time.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { findModel, loadManifest } from '../models/manifest.ts';
import { createDetector, type StageTimings } from '../pipeline/detect/detector.ts';
import { prepareInput } from '../pipeline/detect/preprocess.ts';
import { parseCli } from './cli/args.ts';

const cli = { command: 'npm run bench:detect', usage: 'usage: npm run bench:detect [-- --image FILE --runs 50 --threads N --model ID]' };
const { values } = parseCli({
  ...cli,
  options: {
    image: { type: 'string' },
    runs: { type: 'string', default: '50' },
    threads: { type: 'string' },
    model: { type: 'string' },
  },
});
const runs = Number(values.runs);
const root = path.resolve(import.meta.dirname, '..');

// Default input: a real photo (darknet's kite.jpg, 1352x900) scaled to 1920x1080, the size of a
// typical camera frame. --image takes any JPEG instead.
const jpeg = values.image
  ? await readFile(values.image)
  : await sharp(path.join(root, 'samples/cache/darknet/kite.jpg')).resize(1920, 1080, { fit: 'fill' }).jpeg({ quality: 90 }).toBuffer();
const meta = await sharp(jpeg).metadata();

const model = findModel(await loadManifest(), values.model);
const detector = await createDetector(model, values.threads ? { threads: Number(values.threads) } : {});
const prepared = await prepareInput(sharp(jpeg), meta.width!, meta.height!, model.input);

async function timeIt(fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 5; i++) await fn(); // warm-up: allocator, thread pool, caches
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return times;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

const bare = await timeIt(() => detector.runTensor(prepared.tensor));
const stages: StageTimings[] = [];
let found = 0;
const full = await timeIt(async () => {
  const r = await detector.detectImage(jpeg, 'bench.jpg');
  stages.push(r.timings);
  found = r.detections.length;
});
// For reference: what decoding the whole frame alone costs, and resizing from raw pixels (the
// camera path, where ffmpeg has already decoded).
const decodeOnly = await timeIt(() => sharp(jpeg).raw().toBuffer());
const raw = await sharp(jpeg).raw().toBuffer();
const fromRaw = await timeIt(() =>
  prepareInput(sharp(raw, { raw: { width: meta.width!, height: meta.height!, channels: 3 } }), meta.width!, meta.height!, model.input),
);

const fmt = (ms: number) => `${ms.toFixed(2).padStart(8)} ms`;
console.log(`model ${model.id} (${model.input.width}x${model.input.height}, ${model.format}), image ${meta.width}x${meta.height} JPEG, ${runs} runs after 5 warm-up, median`);
console.log(`bare session.run on a prepared tensor   ${fmt(median(bare))}`);
console.log(`full detect()                          ${fmt(median(full))}   (${found} detections)`);
console.log(`ratio full / bare                       ${(median(full) / median(bare)).toFixed(2)}x`);
console.log('stages of detect() (mean, share of their sum):');
const sums: Record<keyof StageTimings, number> = { prepareMs: 0, inferenceMs: 0, decodeMs: 0, nmsMs: 0 };
const labels: Record<keyof StageTimings, string> = {
  prepareMs: 'decode JPEG + resize (sharp, shrink-on-load)',
  inferenceMs: 'session.run',
  decodeMs: 'decode outputs',
  nmsMs: 'NMS',
};
for (const s of stages.slice(5)) for (const k of Object.keys(sums) as Array<keyof StageTimings>) sums[k] += s[k];
const total = Object.values(sums).reduce((a, b) => a + b, 0);
for (const k of Object.keys(sums) as Array<keyof StageTimings>) {
  const avg = sums[k] / (stages.length - 5);
  console.log(`  ${labels[k].padEnd(44)} ${fmt(avg)}  ${((100 * sums[k]) / total).toFixed(1).padStart(5)}%`);
}
console.log('reference:');
console.log(`  full-size JPEG decode alone                ${fmt(median(decodeOnly))}`);
console.log(`  resize + tensor from raw RGB (camera path) ${fmt(median(fromRaw))}`);
console.log(`  mean full detect() ${fmt(mean(full))}, mean bare ${fmt(mean(bare))}`);
await detector.close();
