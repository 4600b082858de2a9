// Training inside the product: the `training` worker and the review trigger, started together by
// whoever hosts them (the demo, beside the API). Every `everyMs` the trigger looks for types with
// TRAINING_AFTER_REVIEWS new reviews and queues their runs; the worker trains one at a time.
import type { Db } from '../../api/store/db.ts';
import { loadViolationLabels } from '../violation-labels.ts';
import { dueTrainingRuns } from './review-trigger.ts';
import type { ReviewedCrops } from './training-job.ts';
import { createTrainingQueue, startTrainingWorker, type TrainingQueue, type TrainingWorker } from './training-queue.ts';

export interface TrainingServiceOptions {
  db: Db;
  modelsDir: string;
  redisUrl: string;
  prefix?: string;
  reviewedCrops: ReviewedCrops;
  /** Reviews of a type that call for a new verdict model (TRAINING_AFTER_REVIEWS). */
  afterReviews: number;
  /** How often the trigger looks (default one minute). */
  everyMs?: number;
  threads?: number;
  log: (obj: object, msg: string) => void;
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
  const check = async () => {
    const due = await dueTrainingRuns(o.db, await loadViolationLabels(), o.afterReviews);
    for (const run of due) {
      await queue.enqueue(run);
      o.log({ target: run.target, runKey: run.runKey, afterReviews: o.afterReviews }, 'training run queued');
    }
    return due.map((r) => r.runKey);
  };
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
