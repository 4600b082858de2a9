// Every bad input to `npm run train -- detector` stops it with exit 2 and one line naming the
// problem and the file, before any training: run as a user runs it (a real process on real files).
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { colourDetectorFixture, detectorFixtureEntry, writeFixture, writeLabels } from '../../support/fixture-models.ts';
import { runScript } from '../../support/run-script.ts';
import { labelmeYolo, tempDir } from '../../../models/train/detector-sample-dataset.ts';

async function train(dataset: string, extra: string[] = []): Promise<{ code: number; stderr: string }> {
  const out = extra.includes('--out') ? [] : ['--out', await tempDir('out')];
  return runScript('scripts/train.ts', ['detector', '--dataset', dataset, '--base', 'nanodet-coco-416', '--id', 'tuned-1', ...out, '--epochs', '1', ...extra]);
}

async function spoilt(change: (dir: string) => Promise<void>): Promise<string> {
  const dir = await labelmeYolo(await tempDir('data'));
  await change(dir);
  return dir;
}

describe('npm run train -- detector refuses bad input', { timeout: 120_000 }, () => {
  it('an empty dataset', async () => {
    const dir = await spoilt(async (d) => {
      await rm(path.join(d, 'images'), { recursive: true });
      await mkdir(path.join(d, 'images'));
    });
    const run = await train(dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`error: ${path.join(dir, 'images')}: empty dataset`);
  });

  it('an image without labels', async () => {
    const dir = await spoilt((d) => rm(path.join(d, 'labels', '2011_000006.txt')));
    const run = await train(dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`2011_000006.jpg: image without labels (expected ${path.join(dir, 'labels', '2011_000006.txt')}`);
  });

  it('a label outside the image', async () => {
    const dir = await spoilt((d) => writeFile(path.join(d, 'labels', '2011_000003.txt'), '2 0.5 0.5 0.2 0.2\n2 0.95 0.5 0.3 0.2\n'));
    const run = await train(dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${path.join(dir, 'labels', '2011_000003.txt')}:2: box outside the image`);
  });

  it('a class number beyond classes.txt', async () => {
    const dir = await spoilt((d) => writeFile(path.join(d, 'labels', '2011_000025.txt'), '1 0.5 0.5 0.2 0.2\n3 0.5 0.5 0.2 0.2\n'));
    const run = await train(dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${path.join(dir, 'labels', '2011_000025.txt')}:2: class 3 is beyond classes.txt (3 classes, 0-2)`);
  });

  it('a base model of a family the loader does not know', async () => {
    const dir = await labelmeYolo(await tempDir('data'));
    const models = await tempDir('manifest');
    const { sha256 } = await writeFixture(models, 'e2e.onnx', colourDetectorFixture());
    await writeLabels(models, 'e2e.labels.txt', ['garbage']);
    await writeFile(path.join(models, 'manifest.json'), JSON.stringify({ defaultDetector: 'fixture-e2e', models: [detectorFixtureEntry('fixture-e2e', 'e2e.onnx', sha256, 'e2e.labels.txt')] }));
    const run = await runScript('scripts/train.ts', ['detector', '--dataset', dir, '--base', 'fixture-e2e', '--manifest', path.join(models, 'manifest.json'), '--id', 'tuned-1', '--out', await tempDir('out')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('error: --base fixture-e2e: a end-to-end detector; the trainer loads only nanodet models');
  });

  it('an id the output manifest has already', async () => {
    const out = await tempDir('out');
    await writeFile(path.join(out, 'manifest.json'), JSON.stringify({ models: [{ id: 'tuned-1' }] }));
    const run = await train(await labelmeYolo(await tempDir('data')), ['--out', out]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`error: model id "tuned-1" exists already in ${path.join(out, 'manifest.json')}`);
    expect(JSON.parse(await readFile(path.join(out, 'manifest.json'), 'utf8'))).toEqual({ models: [{ id: 'tuned-1' }] });
  });

  it('a class the dataset does not have, and a bad --device', async () => {
    const dir = await labelmeYolo(await tempDir('data'));
    const run = await train(dir, ['--classes', 'car,stall']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('error: --classes stall: no dataset class maps to it (dataset classes after --label-map: bus, car, person)');
    const device = await train(dir, ['--device', 'tpu']);
    expect(device.code).toBe(2);
    expect(device.stderr).toContain('--device must be cpu or cuda, got "tpu"');
  });
});
