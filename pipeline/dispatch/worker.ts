// Delivers dispatch jobs to POST /v1/cases with retries: exponential backoff with jitter, capped
// so that after the API comes back every waiting observation arrives within one cap. A worker
// killed mid-post leaves the job to be retried (BullMQ's stalled-job check); the API answers the
// repeat with "duplicate", so nothing arrives twice.
import { Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { CaseIngestResult, CaseObservation } from '../../contracts/case.ts';
import type { Logger } from '../../infra/logger.ts';
import { QUEUES } from '../../infra/queues.ts';
import { postObservation, type ApiTarget } from './post.ts';

export interface DispatchWorkerOptions {
  redisUrl: string;
  api: ApiTarget;
  concurrency?: number;
  /** First retry delay (default 1000 ms); doubles per attempt up to maxDelayMs. */
  baseDelayMs?: number;
  /** Longest wait between tries (default 30 s). */
  maxDelayMs?: number;
  prefix?: string;
  logger?: Logger;
}

export function backoffDelay(attemptsMade: number, baseMs: number, maxMs: number, random = Math.random): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attemptsMade - 1));
  // ±20 % so that many jobs failing together do not retry in lockstep.
  return Math.round(exp * (0.8 + 0.4 * random()));
}

export interface DispatchWorker {
  worker: Worker<CaseObservation, CaseIngestResult>;
  close(): Promise<void>;
}

export function startDispatchWorker(options: DispatchWorkerOptions): DispatchWorker {
  const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  const base = options.baseDelayMs ?? 1000;
  const max = options.maxDelayMs ?? 30_000;
  const log = options.logger;
  const worker = new Worker<CaseObservation, CaseIngestResult>(
    QUEUES.dispatch,
    async (job: Job<CaseObservation>) => postObservation(options.api, job.data),
    {
      connection,
      ...(options.prefix ? { prefix: options.prefix } : {}),
      concurrency: options.concurrency ?? 4,
      settings: { backoffStrategy: (attemptsMade: number) => backoffDelay(attemptsMade, base, max) },
    },
  );
  worker.on('completed', (job, result) => {
    log?.info({ caseId: result.caseId, result: result.result, observationId: job.id, attempts: job.attemptsMade + 1 }, 'case observation delivered');
  });
  worker.on('failed', (job, err) => {
    if (!job) return;
    const final = job.attemptsMade >= (job.opts.attempts ?? 1) || err.name === 'UnrecoverableError';
    log?.[final ? 'error' : 'warn']({ observationId: job.id, attempt: job.attemptsMade, err: err.message }, final ? 'case observation not delivered' : 'case observation delivery failed; will retry');
  });
  // Redis going away is reported here and recovered by ioredis; without a listener it would be thrown.
  worker.on('error', (err) => log?.warn({ err: err.message }, 'dispatch worker error'));
  return {
    worker,
    async close() {
      await worker.close();
      connection.disconnect();
    },
  };
}
