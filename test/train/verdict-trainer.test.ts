// `npm run train -- classifier` on a verdict tree (confirmed/ and rejected/ crops cut from Debian's
// sample photos) whose crops carry detector scores (detector-scores.csv, as `dataset:export --crops`
// writes it): it trains the verdict model that corrects the detector's score, declares the prior in
// the manifest entry, and the ONNX file plus the prior (as the verdict stage applies it) equals the
// TypeScript model on the same crops. A tree with a crop lacking its score trains the crop-only head.
import { cp, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadManifest } from '../../models/manifest.ts';
import { createCropFeatures, DEFAULT_POOLING, type CropFeatures } from '../../models/train/crop-features.ts';
import { readImageFolder } from '../../models/train/image-folder.ts';
import { trainClassifier, type TrainedClassifier } from '../../models/train/train-classifier.ts';
import { sigmoid, verdictLogit } from '../../models/train/verdict-model.ts';
import { readDetectorScores } from '../../models/train/verdict-scores.ts';
import { measureOn } from '../../models/versions/evaluate-version.ts';
import { judgedVerdict } from '../../pipeline/cases/verdict.ts';
import { createClassifier, type Classifier } from '../../pipeline/classify/classifier.ts';
import { toRawImage } from '../../pipeline/detect/crop.ts';
import { cropBatch } from '../../pipeline/embed/crop-batch.ts';
import { runScript } from '../support/run-script.ts';
import { cutCropTree, tempDir } from './crop-tree.ts';

let crops: string;
let trained: TrainedClassifier;
let classifier: Classifier;
let features: CropFeatures;
const lines: string[] = [];

/** Each crop its own source (so validation folds by source have enough of them), with a score that says nothing. */
async function verdictTree(dir: string): Promise<string> {
  await cutCropTree(dir, { confirmed: ['opencv/aero1.jpg', 'opencv/aero3.jpg'], rejected: ['darknet/dog.jpg', 'darknet/person.jpg', 'darknet/horses.jpg'] });
  const rows = ['file,score'];
  let k = 0;
  for (const verdict of ['confirmed', 'rejected']) {
    for (const f of (await readdir(path.join(dir, verdict))).sort()) {
      const own = f.replace('__', '-').replace('.jpg', '__0.jpg');
      await rename(path.join(dir, verdict, f), path.join(dir, verdict, own));
      // Scores spread over 0.35-0.9, the same for both verdicts.
      rows.push(`${verdict}/${own},${(0.35 + ((k++ * 7) % 12) * 0.05).toFixed(2)}`);
    }
  }
  await writeFile(path.join(dir, 'detector-scores.csv'), `${rows.join('\n')}\n`);
  return dir;
}

beforeAll(async () => {
  crops = await verdictTree(await tempDir('verdict-crops'));
  trained = await trainClassifier({ crops, id: 'verdict-v1', out: await tempDir('verdict-out'), attribute: 'verdict', appliesTo: ['illegal_parking'], threads: 2, log: (l) => lines.push(l) });
  classifier = await createClassifier((await loadManifest(trained.manifest)).classifiers[0]!, { threads: 2 });
  features = await createCropFeatures((await loadManifest()).embedder!, DEFAULT_POOLING, 2);
}, 180_000);

afterAll(async () => {
  await classifier?.close();
  await features?.close();
});

describe('npm run train -- classifier on a verdict tree with detector scores', () => {
  it('trains the detector-score correction, switching the crop part on when the score says nothing', () => {
    expect(trained.verdict).toBeDefined();
    expect(trained.verdict!.cropWeightDecay).toBeLessThan(Infinity);
    expect(trained.heldOut.balancedAccuracy).toBeGreaterThanOrEqual(0.8);
    expect(lines.join('\n')).toMatch(/verdict model: the detector score, calibrated, corrected by the crop/);
  });

  it('declares the prior in the manifest entry', async () => {
    const raw = JSON.parse(await readFile(trained.manifest, 'utf8'));
    expect(raw.models[0].prior).toEqual({ detectorScore: trained.verdict!.prior });
    expect(raw.models[0].training.head.kind).toBe('detector score corrected by the crop');
    expect(classifier.model.prior).toEqual({ detectorScore: trained.verdict!.prior });
  });

  it('the ONNX file with the prior applied equals the TypeScript model on the same crops and scores', async () => {
    const tree = await readImageFolder(crops);
    const scores = (await readDetectorScores(crops))!;
    for (const crop of [tree.crops[0]!, tree.crops[tree.crops.length - 1]!]) {
      const raw = await toRawImage(await readFile(crop.file), crop.file);
      const tensor = await cropBatch(raw, [[0, 0, raw.width, raw.height]], classifier.model.input, 0);
      const [x] = await features.featuresOfTensor(tensor, 1);
      const score = scores.get(crop.file)!;
      const onnx = judgedVerdict(classifier, (await classifier.classifyBox(raw, [0, 0, raw.width, raw.height]))!, score);
      expect(onnx.confirmed).toBeCloseTo(sigmoid(verdictLogit(trained.verdict!, x!, score)), 4);
      // Without a score: the head alone.
      const alone = judgedVerdict(classifier, (await classifier.classifyBox(raw, [0, 0, raw.width, raw.height]))!, undefined);
      expect(alone.confirmed).toBeCloseTo(sigmoid(verdictLogit(trained.verdict!, x!, undefined)), 4);
    }
  });

  it('is measured with the scores of the tree it is measured on, by the training job and by eval classify', async () => {
    const entry = (await loadManifest(trained.manifest)).classifiers[0]!;
    const m = await measureOn(entry, await readImageFolder(crops), 2);
    expect(m.count).toBe((await readImageFolder(crops)).crops.length);
    expect(m.balancedAccuracy).toBeGreaterThanOrEqual(0.8);
    const r = await runScript('scripts/eval.ts', ['classify', '--crops', crops, '--manifest', trained.manifest, '--model', 'verdict-v1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).confusion).toEqual(m.confusion);
  }, 60_000);

  it('applies each crop’s own score when measuring: a strong prior and telling scores decide every crop', async () => {
    // The same model declared with a prior that outweighs the crop, on a copy of the tree whose
    // scores say the verdict outright (confirmed 0.95, rejected 0.05).
    const raw = JSON.parse(await readFile(trained.manifest, 'utf8'));
    raw.models[0].prior = { detectorScore: { a: 10, b: 0 } };
    const strong = path.join(path.dirname(trained.manifest), 'strong-prior.json');
    await writeFile(strong, JSON.stringify(raw));
    const telling = await tempDir('verdict-telling');
    await cp(crops, telling, { recursive: true });
    const tree = await readImageFolder(telling);
    await writeFile(path.join(telling, 'detector-scores.csv'), `file,score\n${tree.crops.map((c) => `${path.relative(telling, c.file)},${c.label === 0 ? 0.95 : 0.05}`).join('\n')}\n`);
    const counts = [tree.crops.filter((c) => c.label === 0).length, tree.crops.filter((c) => c.label === 1).length];
    const m = await measureOn((await loadManifest(strong)).classifiers[0]!, tree, 2);
    expect(m.confusion).toEqual([[counts[0], 0], [0, counts[1]]]);
    const r = await runScript('scripts/eval.ts', ['classify', '--crops', telling, '--manifest', strong, '--model', 'verdict-v1', '--json']);
    expect(JSON.parse(r.stdout).confusion).toEqual(m.confusion);
    // Without the scores file the same model judges by the crop alone.
    await writeFile(path.join(telling, 'detector-scores.csv'), 'file,score\n');
    const alone = await measureOn((await loadManifest(strong)).classifiers[0]!, tree, 2);
    const plain = await measureOn((await loadManifest(trained.manifest)).classifiers[0]!, tree, 2);
    expect(alone.confusion).toEqual(plain.confusion);
  }, 60_000);

  it('trains the crop-only head when a crop has no score, and says so', async () => {
    const csv = path.join(crops, 'detector-scores.csv');
    const rows = (await readFile(csv, 'utf8')).trim().split('\n');
    await writeFile(csv, `${rows.slice(0, -1).join('\n')}\n`);
    const log: string[] = [];
    const plain = await trainClassifier({ crops, id: 'verdict-v2', out: await tempDir('verdict-out'), attribute: 'verdict', appliesTo: ['illegal_parking'], threads: 2, log: (l) => log.push(l) });
    expect(plain.verdict).toBeUndefined();
    expect(log.join('\n')).toMatch(/1 of \d+ crops have no detector score .*: training a crop-only verdict head/);
    expect(JSON.parse(await readFile(plain.manifest, 'utf8')).models[0].prior).toBeUndefined();
  }, 120_000);

  it('refuses a scores file with a bad line, naming the file and line', async () => {
    const csv = path.join(crops, 'detector-scores.csv');
    await writeFile(csv, 'file,score\nconfirmed/a.jpg,0.5\nconfirmed/b.jpg,high\n');
    await expect(readDetectorScores(crops)).rejects.toThrow(/detector-scores.csv line 3: detector score "NaN" is not a number from 0 to 1/);
    await writeFile(csv, 'file,score\n../x.jpg,0.5\n');
    await expect(readDetectorScores(crops)).rejects.toThrow(/line 2: "..\/x.jpg" is not a crop path inside the tree/);
    await writeFile(csv, 'crop;score\n');
    await expect(readDetectorScores(crops)).rejects.toThrow(/line 1 must be "file,score"/);
  });
});
