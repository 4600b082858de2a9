// The training job on verdict reviews whose crops carry detector scores (detector-scores.csv, as
// `dataset:export --crops` writes it), with the real backbone and PGlite: the scores travel with the
// crops into the training and held-out trees, the candidate is the detector-score correction with
// its prior in the stored entry, and it is measured with the held-out crops' scores.
import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../api/store/db.ts';
import { migrate } from '../../api/store/migrate.ts';
import { loadManifest } from '../../models/manifest.ts';
import { readDetectorScores } from '../../models/train/verdict-scores.ts';
import { liveManifestPath } from '../../models/versions/live-manifest.ts';
import { HELD_OUT_DIR, runTraining } from '../../models/versions/training-job.ts';
import { cutReviewCrops } from './review-crops.ts';

let work: string;
let db: Db;

/** Aerial crops confirmed, street crops rejected; scores that say nothing about the verdict. */
async function verdictReviews(dir: string): Promise<string> {
  await cutReviewCrops(dir);
  await rename(path.join(dir, 'aerial'), path.join(dir, 'confirmed'));
  await rename(path.join(dir, 'street'), path.join(dir, 'rejected'));
  const rows = ['file,score'];
  let k = 0;
  for (const verdict of ['confirmed', 'rejected']) {
    for (const f of (await readdir(path.join(dir, verdict))).sort()) rows.push(`${verdict}/${f},${(0.35 + ((k++ * 7) % 12) * 0.05).toFixed(2)}`);
  }
  await writeFile(path.join(dir, 'detector-scores.csv'), `${rows.join('\n')}\n`);
  return dir;
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'verdict-job-'));
  db = await openDb({ kind: 'pglite' });
  await migrate(db);
}, 60_000);

afterAll(async () => {
  await db?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the training job on verdict reviews with detector scores', () => {
  it('trains the detector-score correction, keeps the scores with the held-out reviews and measures with them', async () => {
    const reviews = await verdictReviews(path.join(work, 'reviews'));
    const place = { db, modelsDir: path.join(work, 'models') };
    const outcome = await runTraining({ target: 'verdict_illegal_parking', appliesTo: ['car'], runKey: 'run-1' }, { place, reviewedCrops: async () => reviews, threads: 2 });
    const entry = outcome.version.entry as { prior?: { detectorScore: { a: number; b: number } }; training: { head: { kind: string } } };
    expect(entry.prior?.detectorScore.a).toEqual(expect.any(Number));
    expect(entry.training.head.kind).toBe('detector score corrected by the crop');
    const heldOutDir = path.join(place.modelsDir, outcome.version.dir, HELD_OUT_DIR);
    const scores = (await readDetectorScores(heldOutDir))!;
    const heldOut = [...(await readdir(path.join(heldOutDir, 'confirmed'))), ...(await readdir(path.join(heldOutDir, 'rejected')))];
    expect(scores.size).toBe(heldOut.length);
    expect(outcome.version.comparison!.candidate.balancedAccuracy as number).toBeGreaterThanOrEqual(0.8);
    expect(outcome.promoted).toBe(true);
    // The manifest the workers load carries the prior to the verdict stage.
    const live = (await loadManifest(liveManifestPath(place.modelsDir))).classifiers.find((c) => c.id === outcome.version.id)!;
    expect(live.prior).toEqual(entry.prior);
    // The same score a crop had in the export.
    const original = (await readDetectorScores(reviews))!;
    const [file, score] = [...scores][0]!;
    expect(score).toBe(original.get(path.join(reviews, path.relative(heldOutDir, file))));
    expect(await readFile(path.join(heldOutDir, 'detector-scores.csv'), 'utf8')).toMatch(/^file,score\n/);
  }, 240_000);
});
