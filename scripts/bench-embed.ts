// `npm run bench:embed [-- --runs N --threads N --batch N]`: what the appearance embedding costs.
// Measures, in one run: milliseconds per crop for a camera frame's vehicles (crop + resize +
// model, batched as the camera path does) and for the bare model call at batch 1 and at --batch,
// then how well the embedding tells the same vehicle from another on real photos (darknet's
// pick-up under small shifts against other objects), so the threshold can be checked on this
// machine. Prints figures only; nothing here asserts on time.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Box } from '../contracts/types.ts';
import { loadManifest } from '../models/manifest.ts';
import { toRawImage } from '../pipeline/detect/crop.ts';
import { createEmbedder } from '../pipeline/embed/embedder.ts';
import { similarity } from '../pipeline/embed/similarity.ts';
import { APPEARANCE_THRESHOLD } from '../pipeline/track/appearance.ts';
import { parseCli } from './cli/args.ts';

const { values } = parseCli({
  command: 'npm run bench:embed',
  usage: 'usage: npm run bench:embed [-- --runs 20 --threads 1 --batch 8]',
  options: {
    runs: { type: 'string', default: '20' },
    threads: { type: 'string', default: '1' },
    batch: { type: 'string', default: '8' },
  },
});
const runs = Number(values.runs);
const batch = Number(values.batch);
const root = path.resolve(import.meta.dirname, '..');

const entry = (await loadManifest()).embedder;
if (!entry) throw new Error('the manifest declares no embedder');
const embedder = await createEmbedder(entry, { threads: Number(values.threads), maxBatch: batch });
const dog = await toRawImage(await readFile(path.join(root, 'samples/cache/darknet/dog.jpg')));
// Regions of dog.jpg: the pick-up, the bicycle, the dog; shifted copies of the pick-up.
const TRUCK: Box = [467, 74, 692, 169];
const boxes: Box[] = Array.from({ length: batch }, (_, i) => [TRUCK[0] + i * 3, TRUCK[1] + (i % 3), TRUCK[2] + i * 2, TRUCK[3] - (i % 2)]);

async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 3; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

const { width, height } = entry.input;
const one = new Float32Array(3 * width * height);
const many = new Float32Array(batch * 3 * width * height);
const bare1 = await timeIt(() => embedder.runTensor(one, 1));
const bareN = await timeIt(() => embedder.runTensor(many, batch));
const crop1 = await timeIt(() => embedder.embedCrops([dog], [TRUCK]));
const cropN = await timeIt(() => embedder.embedCrops(boxes.map(() => dog), boxes));

const [truck, shifted, bike, dogE] = await embedder.embedCrops([dog, dog, dog, dog], [TRUCK, [480, 78, 700, 172], [114, 127, 568, 421], [128, 224, 314, 541]]);
console.log(`embedder ${entry.id}: ${width}x${height} crops, ${embedder.dimensions} dimensions, ${values.threads} thread(s), median of ${runs} runs`);
console.log(`bare model: ${bare1.toFixed(2)} ms per crop at batch 1, ${(bareN / batch).toFixed(2)} ms per crop at batch ${batch}`);
console.log(`embedCrops (crop + resize + model): ${crop1.toFixed(2)} ms for 1 crop, ${(cropN / batch).toFixed(2)} ms per crop in a batch of ${batch}`);
console.log(
  `same pick-up shifted: similarity ${similarity(truck!, shifted!).toFixed(3)}; pick-up vs bicycle ${similarity(truck!, bike!).toFixed(3)}, vs dog ${similarity(truck!, dogE!).toFixed(3)} (threshold ${APPEARANCE_THRESHOLD})`,
);
await embedder.close();
