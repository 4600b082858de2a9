// The edges of model versions, each refused with an error that names the problem and nothing else
// lost: a bad TRAINING_AFTER_REVIEWS, a version whose files are gone (the workers' manifest is kept
// as it was), reviews whose every crop of a class is held out, a target that is not a name, and
// the promotion rule's refusals on metrics computed from real predictions.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../api/store/db.ts';
import { migrate } from '../../api/store/migrate.ts';
import { classifyMetrics } from '../../models/train/classify-metrics.ts';
import { liveManifestPath, writeLiveManifest } from '../../models/versions/live-manifest.ts';
import { decidePromotion } from '../../models/versions/promotion-rule.ts';
import { afterReviewsFromEnv } from '../../models/versions/review-trigger.ts';
import { exportedReviewCrops } from '../../models/versions/reviewed-crops.ts';
import { splitReviews } from '../../models/versions/review-split.ts';
import { runTraining } from '../../models/versions/training-job.ts';

let work: string;
let db: Db;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'versions-edges-'));
  db = await openDb({ kind: 'pglite' });
  await migrate(db);
});

afterAll(async () => {
  await db?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('model version edges', () => {
  it('TRAINING_AFTER_REVIEWS must be a whole number of at least 1', () => {
    expect(afterReviewsFromEnv({})).toBe(50);
    expect(afterReviewsFromEnv({ TRAINING_AFTER_REVIEWS: '12' })).toBe(12);
    for (const bad of ['0', '-3', '2.5', 'many']) {
      expect(() => afterReviewsFromEnv({ TRAINING_AFTER_REVIEWS: bad })).toThrow(`TRAINING_AFTER_REVIEWS must be a whole number of reviews, at least 1 (got "${bad}")`);
    }
  });

  it('a promoted entry whose files are gone is refused, and the workers\' manifest stays as it was', async () => {
    const modelsDir = path.join(work, 'models');
    await writeLiveManifest(modelsDir, []);
    const before = await readFile(liveManifestPath(modelsDir), 'utf8');
    const gone = path.join(work, 'gone');
    const entry = {
      id: 'cover-9', version: '1', kind: 'classifier', file: 'cover-9.onnx', sha256: 'a'.repeat(64), labels: 'cover-9.labels.txt',
      input: { width: 128, height: 128, layout: 'NCHW', channels: 'BGR', resize: 'stretch' }, output: { activation: 'none' },
      attribute: 'cover', appliesTo: ['truck'], cropMargin: 0.1, source: 'test', licence: 'test',
    };
    await expect(writeLiveManifest(modelsDir, [{ dir: gone, entry }])).rejects.toThrow(/cover-9\.labels\.txt/);
    expect(await readFile(liveManifestPath(modelsDir), 'utf8')).toBe(before);
  });

  it('reviews whose every crop of a class is held out name the class, before any training', async () => {
    // Sources the held-out hash keeps for measuring, found the way the job finds them. The class has
    // one source only (a class with two keeps one on each side).
    const held = Array.from({ length: 40 }, (_, i) => `cam${i}`).filter((s) => splitReviews([{ file: 'x', label: 0, source: s }]).heldOut.length === 1);
    const trained = Array.from({ length: 40 }, (_, i) => `cam${i}`).filter((s) => !held.includes(s));
    const tree = path.join(work, 'held-out-only');
    const jpeg = await sharp({ create: { width: 40, height: 40, channels: 3, background: '#888' } }).jpeg().toBuffer();
    for (const [cls, sources] of [['confirmed', trained.slice(0, 3)], ['rejected', held.slice(0, 1)]] as const) {
      await mkdir(path.join(tree, cls), { recursive: true });
      for (const s of sources) await writeFile(path.join(tree, cls, `${s}__1.jpg`), jpeg);
    }
    await expect(runTraining({ target: 'verdict_illegal_parking', appliesTo: ['car'], runKey: 'edge-1' }, { place: { db, modelsDir: path.join(work, 'm2') }, reviewedCrops: async () => tree }))
      .rejects.toThrow('verdict_illegal_parking: every review of rejected is held out for measuring; more reviews from other sources are needed to train');
  });

  it('a target that is not an attribute name is refused naming it, before anything is exported', async () => {
    let asked = 0;
    const crops = exportedReviewCrops(async () => {
      asked++;
      return { status: 500, body: Buffer.from('') };
    });
    await expect(crops('../cover', path.join(work, 'x'))).rejects.toThrow('training target "../cover" is not an attribute name (a-z, digits, "_"), so no crops are exported for it');
    expect(asked).toBe(0);
  });

  it('the rule refuses a gain bought with one class\'s recall, and a class with no held-out reviews', () => {
    const labels = ['confirmed', 'rejected'];
    // Live: 8/10 and 6/10 right. Candidate: 10/10 and 5/10 right: balanced accuracy up, rejected's recall down 0.1.
    const truth = [...Array(10).fill(0), ...Array(10).fill(1)];
    const live = classifyMetrics(labels, truth, [...Array(8).fill(0), 1, 1, ...Array(6).fill(1), 0, 0, 0, 0]);
    const candidate = classifyMetrics(labels, truth, [...Array(10).fill(0), ...Array(5).fill(1), 0, 0, 0, 0, 0]);
    const decision = decidePromotion(candidate, live);
    expect(decision.decision).toBe('refuse');
    expect(decision.reasons).toEqual([
      'balanced accuracy 0.750 vs live 0.700: +0.050 ≥ 0.01',
      'recall of rejected 0.500 vs live 0.600: lower by 0.100 > 0.05',
    ]);
    const oneClass = classifyMetrics(labels, Array(6).fill(0), Array(6).fill(0));
    expect(decidePromotion(oneClass, null)).toEqual({ decision: 'refuse', reasons: ['no held-out reviews of rejected', 'balanced accuracy 1.000 ≥ chance 0.500 + 0.1 (no live version)'] });
  });
});
