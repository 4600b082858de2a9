// Training inside the product: the `training` worker and the review trigger, started together by
// whoever hosts them (the demo, beside the API). Every `everyMs` the trigger looks for types with
// TRAINING_AFTER_REVIEWS new reviews, and attributes with as many new labels, and queues their runs;
// the worker trains one at a time. A target with one class only is logged with the reason, not queued.
// Given the evidence store, a promoted verdict model re-scores the open cases of its type.
import type { Db } from '../../api/store/db.ts';
import { loadViolationLabels } from '../violation-labels.ts';
import { dueTrainingRuns, type RefusedRun } from './review-trigger.ts';
import type { ObjectStore } from '../../infra/object-store.ts';
import { rescoreAfterPromotion, type RescoreOutcome } from './rescore-open-cases.ts';
import type { ReviewedCrops, TrainingOutcome } from './training-job.ts';
import { createTrainingQueue, startTrainingWorker, trainingJobId, type TrainingQueue, type TrainingWorker } from './training-queue.ts';

export interface TrainingServiceOptions {
  db: Db;
  modelsDir: string;
  redisUrl: string;
  prefix?: string;
  reviewedCrops: ReviewedCrops;
  /** Reviews of a type (labels of an attribute) that call for a new model (TRAINING_AFTER_REVIEWS). */
  afterReviews: number;
  /** How often the trigger looks (default one minute). */
  everyMs?: number;
  threads?: number;
  log: (obj: object, msg: string) => void;
  /** Where case evidence is: given, a promoted verdict model re-scores its type's open cases at once. */
  objects?: ObjectStore;
  /** Told of each re-scoring (the demo prints it). */
  onRescored?: (outcome: RescoreOutcome) => void;
}

export interface TrainingService {
  queue: TrainingQueue;
  worker: TrainingWorker;
  /** Queues the runs due now; returns their keys. */
  check(): Promise<string[]>;
  close(): Promise<void>;
}

export function startTrainingService(o: TrainingServiceOptions): TrainingService {
  const settings = { redisUrl: o.redisUrl, ...(o.prefix ? { prefix: o.prefix } : {}) };
  const queue = createTrainingQueue(settings);
  const worker = startTrainingWorker(settings, {
    place: { db: o.db, modelsDir: o.modelsDir },
    reviewedCrops: o.reviewedCrops,
    ...(o.threads ? { threads: o.threads } : {}),
    log: o.log,
  });
  // A refusal is logged when it first appears or its reason changes, not every minute.
  const refusedBefore = new Map<string, string>();
  const refused = (run: RefusedRun) => {
    if (refusedBefore.get(run.target) === run.reason) return;
    refusedBefore.set(run.target, run.reason);
    o.log({ target: run.target, reviews: run.reviews, afterReviews: o.afterReviews, reason: run.reason }, 'training run not queued: one class only');
  };
  const check = async () => {
    const due = await dueTrainingRuns(o.db, await loadViolationLabels(), o.afterReviews, { refused });
    for (const run of due) refusedBefore.delete(run.target);
    for (const run of due) {
      // A run still due after it failed (or while it runs) is the same job: said once, not every check.
      const known = await queue.queue.getJob(trainingJobId(run.runKey));
      await queue.enqueue(run);
      if (!known) o.log({ target: run.target, runKey: run.runKey, afterReviews: o.afterReviews }, 'training run queued');
    }
    return due.map((r) => r.runKey);
  };
  if (o.objects) {
    const objects = o.objects;
    worker.worker.on('completed', (_job, result) => {
      const outcome = result as Partial<TrainingOutcome> | undefined;
      if (!outcome?.promoted || !outcome.version) return;
      rescoreAfterPromotion({ db: o.db, modelsDir: o.modelsDir }, objects, outcome.version, o.threads)
        .then((r) => {
          if (!r) return;
          o.log({ target: outcome.version!.target, modelId: r.modelId, scored: r.scored, skipped: r.skipped }, 'open cases re-scored with the promoted verdict model');
          o.onRescored?.(r);
        })
        .catch((error: Error) => o.log({ target: outcome.version!.target, err: error.message }, 're-scoring open cases failed'));
    });
  }
  const timer = setInterval(() => void check().catch((error: Error) => o.log({ err: error.message }, 'training trigger failed')), o.everyMs ?? 60_000);
  timer.unref();
  return {
    queue,
    worker,
    check,
    async close() {
      clearInterval(timer);
      await worker.close();
      await queue.close();
    },
  };
}
