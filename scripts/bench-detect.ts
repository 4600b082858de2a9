// `npm run bench:detect [-- --image FILE --runs N --threads N]`: where the time of one detection goes.
// Measures, in one run on one 1920x1080 JPEG: the bare session.run on a prepared tensor, the full
// detect() (decode+resize, run, decode outputs, NMS) and each stage's share, and prints full/bare.
// Also: the camera path (a frame ffmpeg already scaled to the model's input, analysis.frameSize
// "model") against bare session.run; the model's GFLOPs counted from its graph against this
// machine's measured MatMul peak; and the int8 version's speed, when set-up made one.
// Prints figures only; nothing here asserts on time.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { findModel, loadManifest } from '../models/manifest.ts';
import { createDetector, type StageTimings } from '../pipeline/detect/detector.ts';
import { prepareInput } from '../pipeline/detect/preprocess.ts';
import { countFlops } from '../models/import/graph-flops.ts';
import { decodeModel, readGraph } from '../models/import/onnx-read.ts';
import { cameraFrames } from './bench/camera-frames.ts';
import { measureMatMulPeak } from './bench/machine-peak.ts';
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

const manifest = await loadManifest();
const model = findModel(manifest, values.model);
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
async function timePaired(a: () => Promise<unknown>, b: () => Promise<unknown>): Promise<{ a: number[]; b: number[] }> {
  for (let i = 0; i < 5; i++) {
    await a();
    await b();
  }
  const out = { a: [] as number[], b: [] as number[] };
  for (let i = 0; i < runs; i++) {
    let t = performance.now();
    await a();
    out.a.push(performance.now() - t);
    t = performance.now();
    await b();
    out.b.push(performance.now() - t);
  }
  return out;
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

// The camera path of a camera with analysis.frameSize "model": ffmpeg (the real ingest) delivers the
// frame already at the model's input size, so detect() only makes the tensor, runs and decodes.
const [modelSizeFrame] = await cameraFrames(path.join(root, 'samples/cache/opencv/vtest.avi'), 1, {
  frameSize: { width: model.input.width, height: model.input.height },
});
// Interleaved with bare runs, so other load on the machine weighs on both sides of the ratio alike.
const { a: pairedBare, b: cameraPath } = await timePaired(
  () => detector.runTensor(prepared.tensor),
  () => detector.detectFrame(modelSizeFrame!),
);

// The physical limit: the graph's work against the best this machine does in onnxruntime.
const flops = countFlops(readGraph(decodeModel(await readFile(model.file))));
const peak = await measureMatMulPeak(values.threads ? { threads: Number(values.threads) } : {});

// The int8 version of the model, when set-up made one (models/import/quantise.ts): the same bare
// run and camera-path detect(), for the speed ratio.
const int8Id = manifest.entries.find((m) => 'generatedBy' in m && m.generatedBy?.importer === 'quantise-int8' && m.generatedBy.from === model.id)?.id;
const int8 = int8Id ? await createDetector(findModel(manifest, int8Id), values.threads ? { threads: Number(values.threads) } : {}) : undefined;
const int8Bare = int8 ? await timeIt(() => int8.runTensor(prepared.tensor)) : undefined;
const int8Camera = int8 ? await timeIt(() => int8.detectFrame(modelSizeFrame!)) : undefined;

const fmt = (ms: number) => `${ms.toFixed(2).padStart(8)} ms`;
console.log(`model ${model.id} (${model.input.width}x${model.input.height}, ${model.format}), image ${meta.width}x${meta.height} JPEG, ${runs} runs after 5 warm-up, median`);
console.log(`bare session.run on a prepared tensor   ${fmt(median(bare))}`);
console.log(`full detect()                          ${fmt(median(full))}   (${found} detections)`);
console.log(`ratio full / bare                       ${(median(full) / median(bare)).toFixed(2)}x`);
console.log(`camera path: detect() on a ${modelSizeFrame!.width}x${modelSizeFrame!.height} frame from ffmpeg ${fmt(median(cameraPath))}`);
console.log(`camera-path ratio detect() / bare       ${(median(cameraPath) / median(pairedBare)).toFixed(2)}x   (bare ${fmt(median(pairedBare)).trim()} in the same interleaved runs)`);
const convShare = ((flops.byOp.Conv ?? 0) + (flops.byOp.QLinearConv ?? 0)) / flops.flops;
const achieved = flops.flops / (median(bare) / 1000) / 1e9;
console.log(`model GFLOPs (from the graph, multiply-add = 2) ${(flops.flops / 1e9).toFixed(2)}   (${(100 * convShare).toFixed(1)}% in Conv)`);
console.log(`achieved by bare session.run            ${achieved.toFixed(1)} GFLOP/s`);
console.log(`machine peak (${peak.size}x${peak.size} fp32 MatMul, onnxruntime) ${peak.gflopsPerSecond.toFixed(1)} GFLOP/s (${peak.medianMs.toFixed(1)} ms)`);
console.log(`model at ${((100 * achieved) / peak.gflopsPerSecond).toFixed(0)}% of peak; at peak session.run would take ${fmt((flops.flops / peak.gflopsPerSecond / 1e9) * 1000)}`);
if (int8 && int8Bare && int8Camera) {
  console.log(`int8 ${int8.model.id}: bare session.run ${fmt(median(int8Bare))}, camera-path detect() ${fmt(median(int8Camera))}`);
  console.log(`speed ratio fp32 / int8 (bare session.run)  ${(median(bare) / median(int8Bare)).toFixed(2)}x`);
}
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
await int8?.close();
