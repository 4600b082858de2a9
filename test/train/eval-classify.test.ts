// `npm run eval -- classify` measures a trained classifier on an image-folder tree, as a user runs
// it, and names what is wrong with bad input.
import { cp, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readImageFolder } from '../../models/train/image-folder.ts';
import { splitBySource } from '../../models/train/source-split.ts';
import { trainClassifier } from '../../models/train/train-classifier.ts';
import { runScript } from '../support/run-script.ts';
import { cutCropTree, tempDir } from './crop-tree.ts';

let crops: string;
let manifest: string;

beforeAll(async () => {
  crops = await cutCropTree(await tempDir('eval-crops'));
  const out = await tempDir('eval-out');
  await trainClassifier({ crops, id: 'scene-v1', out, appliesTo: ['car'], threads: 2 });
  manifest = path.join(out, 'manifest.json');
}, 120_000);

describe('npm run eval -- classify', () => {
  it('--json prints accuracy, balanced accuracy, per-class figures and the confusion matrix', async () => {
    const r = await runScript('scripts/eval.ts', ['classify', '--crops', crops, '--manifest', manifest, '--model', 'scene-v1', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.labels).toEqual(['aerial', 'street']);
    expect(report.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(45);
    expect(report.confusion.map((row: number[]) => row.reduce((a, b) => a + b, 0))).toEqual([18, 27]);
    const diagonal = report.confusion[0][0] + report.confusion[1][1];
    expect(report.accuracy).toBeCloseTo(diagonal / 45, 10);
    expect(report.balancedAccuracy).toBeCloseTo((report.confusion[0][0] / 18 + report.confusion[1][1] / 27) / 2, 10);
    expect(report.perClass.map((c: { label: string; support: number }) => [c.label, c.support])).toEqual([['aerial', 18], ['street', 27]]);
    expect(report.balancedAccuracy).toBeGreaterThan(0.8);
  });

  it('on the held-out crops, the ONNX model measured by eval gives the figures the trainer declared', async () => {
    const tree = await readImageFolder(crops);
    const { heldOut } = splitBySource(tree.crops, 0.2);
    const held = path.join(await tempDir('held'), 'crops');
    for (const crop of heldOut) {
      await mkdir(path.join(held, tree.classes[crop.label]!), { recursive: true });
      await cp(crop.file, path.join(held, tree.classes[crop.label]!, path.basename(crop.file)));
    }
    const r = await runScript('scripts/eval.ts', ['classify', '--crops', held, '--manifest', manifest, '--model', 'scene-v1', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    const declared = JSON.parse(await readFile(manifest, 'utf8')).models[0].metrics.heldOut;
    expect(report.confusion).toEqual(declared.confusion);
    expect(report.balancedAccuracy).toBeCloseTo(declared.balancedAccuracy, 10);
  });

  it('a tree holding only some of the labels is measured on those', async () => {
    const some = path.join(await tempDir('some'), 'crops');
    await cp(path.join(crops, 'street'), path.join(some, 'street'), { recursive: true });
    const r = await runScript('scripts/eval.ts', ['classify', '--crops', some, '--manifest', manifest, '--model', 'scene-v1', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.perClass[0].support).toBe(0);
    expect(report.perClass[1].support).toBe(27);
  });

  it('a folder that is not a label of the model is named', async () => {
    const other = path.join(await tempDir('other'), 'crops');
    await cp(path.join(crops, 'street'), path.join(other, 'street'), { recursive: true });
    await mkdir(path.join(other, 'garbage'));
    await cp(path.join(crops, 'aerial'), path.join(other, 'garbage'), { recursive: true });
    const r = await runScript('scripts/eval.ts', ['classify', '--crops', other, '--manifest', manifest, '--model', 'scene-v1']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`error: ${other}: folder "garbage" is not a label of scene-v1 (its labels: aerial, street)`);
  });

  it('a model id the manifest does not declare is named with those it does', async () => {
    const r = await runScript('scripts/eval.ts', ['classify', '--crops', crops, '--manifest', manifest, '--model', 'scene-v9']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`error: no classifier "scene-v9" in ${manifest} (its classifiers: scene-v1)`);
  });

  it('--help mentions classify and --crops', async () => {
    const r = await runScript('scripts/eval.ts', ['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('npm run eval -- classify --crops DIR --manifest FILE --model ID [--json]');
  });
});
