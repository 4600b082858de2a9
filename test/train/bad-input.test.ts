// Bad training input gets one clear error naming the problem, before any model is written: an
// empty class, one class only, an unreadable image, a folder name that cannot be a class, and a
// model id the target manifest already has. And the command line says what it takes.
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { trainClassifier } from '../../models/train/train-classifier.ts';
import { runScript } from '../support/run-script.ts';
import { cutCropTree, tempDir } from './crop-tree.ts';

let good: string;

beforeAll(async () => {
  // One photo per class is enough to reach each check.
  good = await cutCropTree(await tempDir('good'), { aerial: ['opencv/aero1.jpg'], street: ['darknet/dog.jpg'] }, 2);
});

async function copyOfGood(name: string): Promise<string> {
  const dir = path.join(await tempDir(name), 'crops');
  await cp(good, dir, { recursive: true });
  return dir;
}

const train = async (crops: string, out?: string) =>
  trainClassifier({ crops, id: 'bad-v1', out: out ?? (await tempDir('out')), appliesTo: ['car'], threads: 2 });

describe('bad training input', () => {
  it('an empty class is named', async () => {
    const crops = await copyOfGood('empty');
    await mkdir(path.join(crops, 'garbage'));
    await expect(train(crops)).rejects.toThrow(`${path.join(crops, 'garbage')}: class "garbage" holds no images`);
  });

  it('one class only is refused', async () => {
    const crops = path.join(await tempDir('one'), 'crops');
    await cp(path.join(good, 'street'), path.join(crops, 'street'), { recursive: true });
    await expect(train(crops)).rejects.toThrow('only one class (street); a classifier needs at least two class folders');
  });

  it('unreadable images are named, and nothing is written', async () => {
    const crops = await copyOfGood('unreadable');
    await writeFile(path.join(crops, 'street', 'broken__1.jpg'), 'not a jpeg at all');
    await writeFile(path.join(crops, 'aerial', 'empty__1.png'), '');
    const out = await tempDir('out');
    const error = await train(crops, out).then(() => undefined, (e: Error) => e);
    expect(error?.message).toMatch(/^2 crops cannot be read: /);
    expect(error?.message).toContain(path.join(crops, 'street', 'broken__1.jpg'));
    expect(error?.message).toContain(path.join(crops, 'aerial', 'empty__1.png'));
    expect(await readdir(out)).toEqual([]);
  });

  it('a folder name that cannot be a class name is named', async () => {
    const crops = await copyOfGood('name');
    await cp(path.join(crops, 'street'), path.join(crops, 'street\nlamp'), { recursive: true });
    await expect(train(crops)).rejects.toThrow(`${path.join(crops, 'street\nlamp')}: "street\nlamp" cannot be a class name`);
  });

  it('an image outside any class folder is named', async () => {
    const crops = await copyOfGood('stray');
    const stray = path.join(crops, (await readdir(path.join(crops, 'street')))[0]!);
    await cp(path.join(crops, 'street', path.basename(stray)), stray);
    await expect(train(crops)).rejects.toThrow(`${stray}: an image directly in ${crops}`);
  });

  it('a model id that exists in the target manifest is refused before training, and the manifest is kept', async () => {
    const out = await tempDir('exists');
    await train(good, out);
    const before = await readdir(out);
    await expect(train(good, out)).rejects.toThrow(`model id "bad-v1" exists already in ${path.join(out, 'manifest.json')}`);
    expect(await readdir(out)).toEqual(before);
  });

  it('a held-out tree with a class the training crops lack is named, and nothing is written', async () => {
    const held = await copyOfGood('held-night');
    await mkdir(path.join(held, 'night'));
    await cp(path.join(held, 'street'), path.join(held, 'night'), { recursive: true });
    const out = await tempDir('held-night-out');
    await expect(trainClassifier({ crops: good, heldOut: held, id: 'bad-v1', out, appliesTo: ['car'], threads: 2 })).rejects.toThrow(
      `held-out class "night" in ${held} is not a class of the training crops (aerial, street)`,
    );
    expect(await readdir(out)).toEqual([]);
  });

  it('a missing crops folder is named', async () => {
    const missing = path.join(await tempDir('missing'), 'nope');
    await expect(train(missing)).rejects.toThrow(`${missing}: cannot be read as a folder of class folders (ENOENT)`);
    expect(existsSync(missing)).toBe(false);
  });
});

describe('npm run train (command line)', () => {
  it('--help prints the usage and exits 0', async () => {
    const r = await runScript('scripts/train.ts', ['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/npm run train -- classifier --crops DIR --id ID --out DIR \[--minutes N\]/);
  });

  it('an unknown option is one line naming it, then the usage, exit 2', async () => {
    const r = await runScript('scripts/train.ts', ['classifier', '--crops', good, '--epochs', '3']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('npm run train: unknown option --epochs');
    expect(r.stderr).toContain('usage:');
  });

  it('a missing --id is named', async () => {
    const r = await runScript('scripts/train.ts', ['classifier', '--crops', good, '--out', '/tmp/x']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('npm run train: --id required');
  });
});
