// The `training` BullMQ queue: one job per training run of a target. A job's id is the target and
// the review count that called for it, so a trigger checked twice, or after a restart, adds one
// job; the run itself is idempotent (training-job.ts), so a retried job stores one version.
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { QUEUES } from '../../infra/queues.ts';
import { DETECTOR_TRAINING_JOB, runDetectorTraining, type DetectorTrainingRequest } from './detector-training-job.ts';
import { runTraining, type TrainingDeps, type TrainingOutcome, type TrainingRequest } from './training-job.ts';

/** A classifier run (the review trigger's) or a detector fine-tune (queued nightly). */
type AnyTrainingRequest = TrainingRequest | DetectorTrainingRequest;

export const TRAINING_JOB = 'train-classifier';

export interface TrainingQueueSettings {
  redisUrl: string;
  prefix?: string;
  /** Tries per run before it is left failed (default 3). */
  attempts?: number;
}

export interface TrainingQueue {
  /** Adds a run; a run with the same key already queued or done is not added again. */
  enqueue(request: TrainingRequest): Promise<void>;
  /** Adds a detector fine-tune of a dataset export; the same runKey is one job. */
  enqueueDetector(request: DetectorTrainingRequest): Promise<void>;
  queue: Queue<AnyTrainingRequest>;
  close(): Promise<void>;
}

/** BullMQ refuses ":" in custom ids. */
export function trainingJobId(runKey: string): string {
  return runKey.replace(/:/g, '-');
}

export function createTrainingQueue(settings: TrainingQueueSettings): TrainingQueue {
  const connection = new Redis(settings.redisUrl, { maxRetriesPerRequest: null });
  connection.on('error', () => {});
  const queue = new Queue<AnyTrainingRequest>(QUEUES.training, { connection, ...(settings.prefix ? { prefix: settings.prefix } : {}) });
  const options = (runKey: string) => ({
    jobId: trainingJobId(runKey),
    attempts: settings.attempts ?? 3,
    backoff: { type: 'exponential', delay: 10_000 },
    removeOnComplete: { count: 1000 },
    removeOnFail: { count: 1000 },
  });
  return {
    queue,
    async enqueue(request) {
      await queue.add(TRAINING_JOB, request, options(request.runKey));
    },
    async enqueueDetector(request) {
      await queue.add(DETECTOR_TRAINING_JOB, request, options(request.runKey));
    },
    async close() {
      await queue.close();
      connection.disconnect();
    },
  };
}

export interface TrainingWorker {
  worker: Worker<AnyTrainingRequest, TrainingOutcome | Awaited<ReturnType<typeof runDetectorTraining>>>;
  close(): Promise<void>;
}

/** One run at a time: training takes both cores for a while, and runs of one target must not race. */
export function startTrainingWorker(settings: Omit<TrainingQueueSettings, 'attempts'>, deps: TrainingDeps): TrainingWorker {
  const connection = new Redis(settings.redisUrl, { maxRetriesPerRequest: null });
  connection.on('error', () => {});
  const worker = new Worker<AnyTrainingRequest, TrainingOutcome | Awaited<ReturnType<typeof runDetectorTraining>>>(
    QUEUES.training,
    async (job: Job<AnyTrainingRequest>) =>
      job.name === DETECTOR_TRAINING_JOB ? runDetectorTraining(job.data as DetectorTrainingRequest, deps) : runTraining(job.data as TrainingRequest, deps),
    { connection, concurrency: 1, lockDuration: 10 * 60_000, ...(settings.prefix ? { prefix: settings.prefix } : {}) },
  );
  worker.on('failed', (job, error) => deps.log?.({ target: job && 'target' in job.data ? job.data.target : job?.name, runKey: job?.data.runKey, err: error.message, attempt: job?.attemptsMade }, 'training run failed'));
  worker.on('error', (error) => deps.log?.({ err: error.message }, 'training worker error'));
  return {
    worker,
    async close() {
      await worker.close();
      connection.disconnect();
    },
  };
}
