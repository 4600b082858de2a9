// `npm run eval -- change` as a user runs it, on pairs made from real aerial photos with known
// change masks: a pasted block of buildings must be found, a change of light and a few pixels of
// drone offset must raise nothing.
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScript } from '../support/run-script.ts';
import { lightingPair, pastedPair, writePairs } from './change-pairs.ts';

const runEval = (args: string[]) => runScript('scripts/eval.ts', args);

interface PairJson { pair: string; regions: number; regionsFound: number; candidates: number; falseCandidates: number; recall: number; precision: number }

describe('npm run eval -- change', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await writePairs({ pasted: await pastedPair(), lighting: await lightingPair() });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('finds the pasted structure and raises nothing for light and offset alone', async () => {
    const { code, stdout, stderr } = await runEval(['change', '--pairs', dir, '--json']);
    expect(code, stderr).toBe(0);
    const report = JSON.parse(stdout);
    expect(Object.keys(report)).toEqual(expect.arrayContaining(['pairs', 'pixelF1', 'objectRecall', 'falseCandidatesPerPair', 'perPair']));
    expect(report.pairs).toBe(2);
    const byName = Object.fromEntries(report.perPair.map((p: PairJson) => [p.pair, p])) as Record<string, PairJson>;
    expect(byName.pasted!.regions).toBe(1);
    expect(byName.pasted!.regionsFound).toBe(1);
    expect(byName.pasted!.falseCandidates).toBe(0);
    // The outline follows the block, not the whole scene.
    expect(byName.pasted!.recall).toBeGreaterThan(0.8);
    expect(byName.pasted!.precision).toBeGreaterThan(0.6);
    expect(byName.lighting!.candidates).toBe(0);
    expect(report.objectRecall).toBe(1);
    expect(report.falseCandidatesPerPair).toBe(0);
  });

  it('prints a table with a row per pair and the overall line', async () => {
    const { code, stdout } = await runEval(['change', '--pairs', dir]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^pair\s+precision\s+recall\s+pixelF1\s+regions\s+found\s+objectRecall\s+candidates\s+false$/m);
    expect(stdout).toMatch(/^pasted\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+1\s+1\s+1\.000\s+1\s+0$/m);
    expect(stdout).toMatch(/^2 pairs: .*objectRecall 1\.000; falseCandidatesPerPair 0\.00$/m);
  });

  it('is listed in --help, and --pairs is required', async () => {
    const help = await runEval(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/eval -- change --pairs DIR/);
    const missing = await runEval(['change']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--pairs is required/);
  });

  it('names what is wrong with a pairs folder: a missing folder, a missing mask, sizes that differ, a corrupt image', async () => {
    const noLabels = await writePairs({ pasted: await pastedPair() });
    await rm(path.join(noLabels, 'label'), { recursive: true });
    let r = await runEval(['change', '--pairs', noLabels]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${path.join(noLabels, 'label')}: missing (a pairs folder holds A/ (before), B/ (after) and label/`);

    const oneMissing = await writePairs({ pasted: await pastedPair(), lighting: await lightingPair() });
    await rm(path.join(oneMissing, 'label', 'lighting.png'));
    r = await runEval(['change', '--pairs', oneMissing]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${path.join(oneMissing, 'label')}: no lighting.png to match A/`);

    const resized = await writePairs({ pasted: await pastedPair() });
    const after = path.join(resized, 'B', 'pasted.png');
    await writeFile(after, await sharp(after).resize(200, 200).png().toBuffer());
    r = await runEval(['change', '--pairs', resized]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${after} is 200x200 but ${path.join(resized, 'A', 'pasted.png')} is 320x320: a pair must cover the same grid`);

    const corrupt = await writePairs({ pasted: await pastedPair() });
    const before = path.join(corrupt, 'A', 'pasted.png');
    await writeFile(before, (await sharp(before).png().toBuffer()).subarray(0, 100));
    r = await runEval(['change', '--pairs', corrupt]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${before}: not a readable image`);
    await Promise.all([noLabels, oneMissing, resized, corrupt].map((d) => rm(d, { recursive: true, force: true })));
  });
});
