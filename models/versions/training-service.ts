// Training inside the product: the `training` worker and the review trigger, started together by
// whoever hosts them (the demo, beside the API). Every `everyMs` the trigger looks for types with
// TRAINING_AFTER_REVIEWS new reviews, and attributes with as many new labels, and queues their runs;
// the worker trains one at a time. A target with one class only is logged with the reason, not queued.
// Given the evidence store, every check also brings the open cases' verdict scores to the live
// verdict model (stale-verdicts.ts): promoted by the job, by hand, or rolled back.
import type { Db } from '../../api/store/db.ts';
import { loadViolationLabels } from '../violation-labels.ts';
import { dueTrainingRuns, type RefusedRun } from './review-trigger.ts';
import type { ObjectStore } from '../../infra/object-store.ts';
import type { RescoreOutcome } from './rescore-open-cases.ts';
import { refreshStaleVerdicts, type Unscorable } from './stale-verdicts.ts';
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
  /**
   * Where case evidence is: given, the open cases of each type are scored by its live verdict model
   * at every check and as soon as the job promotes one (a promotion or rollback by hand within one
   * check), and scores of a model no longer live are cleared.
   */
  objects?: ObjectStore;
  /** Told of each type whose open cases were re-scored or cleared (the demo prints it). */
  onRescored?: (outcome: RescoreOutcome) => void;
}

export interface TrainingService {
  queue: TrainingQueue;
  worker: TrainingWorker;
  /** Queues the runs due now, then (given the evidence store) re-scores stale open cases; returns the runs' keys. */
  check(): Promise<string[]>;
  /**
   * Brings the open cases' verdict scores to the live verdict models; what changed, one outcome per
   * type (none when nothing was stale). Calls made while one runs share the next run.
   */
  rescoreStale(): Promise<RescoreOutcome[]>;
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
  const stale = o.objects ? staleVerdictsOf(o, o.objects) : { run: async () => [], idle: async () => undefined };
  const rescoreStale = stale.run;
  const check = async () => {
    const due = await dueTrainingRuns(o.db, await loadViolationLabels(), o.afterReviews, { refused });
    for (const run of due) refusedBefore.delete(run.target);
    for (const run of due) {
      // A run still due after it failed (or while it runs) is the same job: said once, not every check.
      const known = await queue.queue.getJob(trainingJobId(run.runKey));
      await queue.enqueue(run);
      if (!known) o.log({ target: run.target, runKey: run.runKey, afterReviews: o.afterReviews }, 'training run queued');
    }
    await rescoreStale();
    return due.map((r) => r.runKey);
  };
  if (o.objects) {
    // The promoted model scores the queue now, not at the next check.
    worker.worker.on('completed', (_job, result) => {
      if ((result as Partial<TrainingOutcome> | undefined)?.promoted) void rescoreStale();
    });
  }
  const timer = setInterval(() => void check().catch((error: Error) => o.log({ err: error.message }, 'training trigger failed')), o.everyMs ?? 60_000);
  timer.unref();
  return {
    queue,
    worker,
    check,
    rescoreStale,
    async close() {
      clearInterval(timer);
      await worker.close();
      // A re-scoring under way finishes while the database is still open.
      await stale.idle();
      await queue.close();
    },
  };
}

/**
 * The stale-verdicts stage as the service runs it: one run at a time (the check and the job's
 * completion may ask together), outcomes logged and told, a failing target logged once per reason.
 * Never rejects: a failure is logged, the next check tries again.
 */
function staleVerdictsOf(o: TrainingServiceOptions, objects: ObjectStore): { run: () => Promise<RescoreOutcome[]>; idle: () => Promise<unknown> } {
  const unscorable: Unscorable = new Map();
  const failedBefore = new Map<string, string>();
  const once = async (): Promise<RescoreOutcome[]> => {
    const run = await refreshStaleVerdicts({ db: o.db, modelsDir: o.modelsDir }, objects, { unscorable, log: o.log, ...(o.threads ? { threads: o.threads } : {}) });
    for (const r of run.outcomes) {
      o.log({ target: r.camera === undefined ? `verdict_${r.type}` : `verdict_${r.type}@${r.camera}`, ...r }, r.modelId === null ? 'open cases\' verdict scores cleared: no live verdict model' : 'open cases re-scored with the live verdict model');
      o.onRescored?.(r);
    }
    // A target that recovered may fail again later for the same reason: that is news again.
    for (const target of failedBefore.keys()) if (!run.failures.some((f) => f.target === target)) failedBefore.delete(target);
    for (const { target, error } of run.failures) {
      if (failedBefore.get(target) === error.message) continue;
      failedBefore.set(target, error.message);
      o.log({ target, err: error.message }, 're-scoring open cases failed');
    }
    return run.outcomes;
  };
  let running: Promise<RescoreOutcome[]> | undefined;
  let next: Promise<RescoreOutcome[]> | undefined;
  const start = (): Promise<RescoreOutcome[]> => {
    running = once()
      .catch((error: Error) => {
        o.log({ err: error.message }, 're-scoring open cases failed');
        return [];
      })
      .finally(() => (running = undefined));
    return running;
  };
  return {
    run: () => {
      if (!running) return start();
      // Asked while a run is under way: what it read may be before the change, so one more run follows.
      next ??= running.then(() => {
        next = undefined;
        return start();
      });
      return next;
    },
    idle: async () => {
      await next;
      await running;
    },
  };
}
