// `npm run bench:train [-- --crops 1000 --threads 2]`: what training a classifier costs on this
// machine. Cuts N crops (random boxes, 32 px and up) out of Debian's sample photos into a
// temporary image-folder tree (one class per photo, sources of 25 crops each), then measures in one
// run: embedding milliseconds per crop (decode + crop + backbone, as `npm run train` does it),
// seconds to train the head, seconds to build the ONNX file, and the whole run. Figures only.
// `npm run bench:train -- detector`: detector fine-tuning instead (scripts/bench-train-detector.ts).
// `npm run bench:train -- embedding --coco DIR`: which embedding and head classify real street crops
// best, by cross-validation by image (scripts/bench-train-embedding.ts).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { loadManifest } from '../models/manifest.ts';
import { readVerifiedModel } from '../models/model-file.ts';
import { buildClassifierOnnx } from '../models/train/classifier-onnx.ts';
import { trainClassHead } from '../models/train/class-head.ts';
import { CLASS_POOLING, createCropFeatures } from '../models/train/crop-features.ts';
import { readImageFolder, type Crop } from '../models/train/image-folder.ts';
import { splitBySource } from '../models/train/source-split.ts';
import { samplePath } from '../infra/samples.ts';
import { parseCli } from './cli/args.ts';

if (process.argv[2] === 'detector') {
  await import('./bench-train-detector.ts');
  process.exit(0);
}
if (process.argv[2] === 'embedding') {
  await import('./bench-train-embedding.ts');
  process.exit(0);
}

const { values } = parseCli({
  command: 'npm run bench:train',
  usage: 'usage: npm run bench:train [-- --crops 1000 --threads 2]\n       npm run bench:train -- detector [--steps 3] [--batch 8]',
  options: { crops: { type: 'string', default: '1000' }, threads: { type: 'string', default: '2' } },
});
const total = Number(values.crops);
const threads = Number(values.threads);
const PHOTOS = ['darknet/dog.jpg', 'darknet/eagle.jpg', 'darknet/giraffe.jpg', 'darknet/horses.jpg', 'darknet/kite.jpg', 'darknet/person.jpg', 'opencv/aero1.jpg', 'opencv/aero3.jpg'];

const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-train-'));
try {
  // A fixed-seed generator: the same crops every run, so runs compare.
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (const [p, photo] of PHOTOS.entries()) {
    const cls = path.basename(photo, '.jpg');
    await mkdir(path.join(dir, cls), { recursive: true });
    const image = sharp(samplePath(photo));
    const { width, height } = await image.metadata();
    const count = Math.floor(total / PHOTOS.length) + (p < total % PHOTOS.length ? 1 : 0);
    for (let i = 0; i < count; i++) {
      const w = Math.floor(32 + rand() * (width! / 2 - 32));
      const h = Math.floor(32 + rand() * (height! / 2 - 32));
      const left = Math.floor(rand() * (width! - w));
      const top = Math.floor(rand() * (height! - h));
      const crop = await sharp(samplePath(photo)).extract({ left, top, width: w, height: h }).jpeg({ quality: 90 }).toBuffer();
      await writeFile(path.join(dir, cls, `${cls}-${Math.floor(i / 25)}__${i}.jpg`), crop);
    }
  }
  const tree = await readImageFolder(dir);
  const manifest = await loadManifest();
  const t0 = performance.now();
  // The trainer's defaults for classes of things: CLASS_POOLING and the nearest-class-mean head.
  const features = await createCropFeatures(manifest.embedder!, CLASS_POOLING, threads);
  const tEmbed = performance.now();
  const vectors = await features.featuresOf(tree.crops.map((c) => c.file));
  const embedMs = performance.now() - tEmbed;
  await features.close();
  const x = new Map(tree.crops.map((c, i) => [c.file, vectors[i]!]));
  const labelled = (cs: readonly Crop[]) => ({ x: cs.map((c) => x.get(c.file)!), y: cs.map((c) => c.label) });
  const split = splitBySource(tree.crops, 0.2);
  const fit = splitBySource(split.train, 0.15, 'validation:');
  const tTrain = performance.now();
  const head = trainClassHead('prototype', labelled(fit.train), labelled(fit.heldOut), tree.classes.length).trained;
  const trainMs = performance.now() - tTrain;
  // Softmax regression on the same features, for comparison: the head verdict trees still train.
  const tSoftmax = performance.now();
  const softmax = trainClassHead('softmax', labelled(fit.train), labelled(fit.heldOut), tree.classes.length).trained;
  const softmaxMs = performance.now() - tSoftmax;
  const tOnnx = performance.now();
  buildClassifierOnnx(await readVerifiedModel(manifest.embedder!), CLASS_POOLING, head.head, 'bench');
  const onnxMs = performance.now() - tOnnx;
  const pooling = `${CLASS_POOLING.features.join('+')}, grid ${CLASS_POOLING.grid}${CLASS_POOLING.flip ? ', mirror averaged' : ''}`;
  console.log(`bench:train — ${tree.crops.length} crops of ${tree.classes.length} classes, ${os.cpus().length} cores, ${threads} onnxruntime threads, pooling ${pooling}`);
  console.log(`embedding (decode + crop + backbone): ${(embedMs / tree.crops.length).toFixed(1)} ms per crop, ${(embedMs / 1000).toFixed(1)} s in all`);
  console.log(`training the head (nearest class mean, ${vectors[0]!.length} features, ${fit.train.length + fit.heldOut.length} crops): ${(trainMs / 1000).toFixed(2)} s`);
  console.log(`  for comparison, softmax regression on the same features (${fit.train.length} training + ${fit.heldOut.length} validation crops, ${softmax.epochs} epochs, weight decay ${softmax.l2}): ${(softmaxMs / 1000).toFixed(1)} s`);
  console.log(`building the ONNX file: ${(onnxMs / 1000).toFixed(2)} s`);
  console.log(`embedding + training + ONNX: ${((performance.now() - t0 - softmaxMs) / 1000).toFixed(1)} s for ${tree.crops.length} crops (the comparison head not counted)`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
