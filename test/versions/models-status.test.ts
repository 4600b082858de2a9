// `npm run models -- status` per trained version: a cover classifier made by the real training job
// (covered / uncovered crops cut from sample photos) makes uncovered_muck_truck analysable, and
// the status says so, and that it is live; the product manifest alone still says "no model".
import { mkdir, mkdtemp, readdir, copyFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../api/store/db.ts';
import { migrate } from '../../api/store/migrate.ts';
import { runTraining } from '../../models/versions/training-job.ts';
import { runScript } from '../support/run-script.ts';
import { cutReviewCrops } from './review-crops.ts';

let work: string;
let db: Db;

/** The scene crops under cover's class names: what is learnt does not matter to the status. */
async function coverCrops(scene: string, dir: string): Promise<string> {
  for (const [from, to] of [['aerial', 'covered'], ['street', 'uncovered']]) {
    await mkdir(path.join(dir, to!), { recursive: true });
    for (const f of await readdir(path.join(scene, from!))) await copyFile(path.join(scene, from!, f), path.join(dir, to!, f));
  }
  return dir;
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'models-status-'));
  db = await openDb({ kind: 'pglite' });
  await migrate(db);
  const crops = await coverCrops(await cutReviewCrops(path.join(work, 'scene')), path.join(work, 'cover'));
  const outcome = await runTraining({ target: 'cover', appliesTo: ['truck'], runKey: 'cover-run-1' }, { place: { db, modelsDir: path.join(work, 'data', 'models') }, reviewedCrops: async () => crops, threads: 2 });
  expect(outcome.promoted).toBe(true);
}, 180_000);

afterAll(async () => {
  await db?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('npm run models -- status', () => {
  it('says which violation types each trained version makes analysable, and which is live', async () => {
    const run = await runScript('scripts/models.ts', ['status', '--data-dir', path.join(work, 'data')]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/uncovered_muck_truck: not analysed: no model/);
    expect(run.stdout).toContain(`trained versions in ${path.join(work, 'data', 'models')}`);
    expect(run.stdout).toMatch(/version cover-1 \(cover on truck, live\): makes analysable: uncovered_muck_truck/);
  }, 60_000);

  it('with the workers\' manifest, the type is analysed by the promoted version', async () => {
    const run = await runScript('scripts/models.ts', ['status', '--manifest', path.join(work, 'data', 'models', 'manifest.json'), '--data-dir', path.join(work, 'data')]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/uncovered_muck_truck: analysed by .*cover-1 \[cover=uncovered\]/);
  }, 60_000);
});
