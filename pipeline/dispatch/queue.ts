// The dispatch queue (BullMQ, QUEUES.dispatch): one job per case observation, posted to the API by
// worker.ts. The job id is the observation id, so enqueueing a sighting twice (a worker retried
// its report) makes one job while the first is kept; the API is idempotent for the rest.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { CaseObservation } from '../../contracts/case.ts';
import { QUEUES } from '../../infra/queues.ts';

export const DISPATCH_JOB = 'case-observation';

export interface DispatchQueueOptions {
  /** How often a job is tried before it is left in the failed set for an operator (default 1000: hours at the capped backoff). */
  attempts?: number;
  /** BullMQ key prefix (tests and deployments sharing a Redis). */
  prefix?: string;
}

export interface DispatchQueue {
  enqueue(observation: CaseObservation): Promise<void>;
  queue: Queue;
  close(): Promise<void>;
}

export function createDispatchQueue(redisUrl: string, options: DispatchQueueOptions = {}): DispatchQueue {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(QUEUES.dispatch, { connection, ...(options.prefix ? { prefix: options.prefix } : {}) });
  return {
    queue,
    async enqueue(observation) {
      await queue.add(DISPATCH_JOB, observation, {
        jobId: observation.observationId,
        attempts: options.attempts ?? 1000,
        backoff: { type: 'capped' },
        // Completed jobs are kept a week, so a late re-enqueue of the same sighting is a no-op here too.
        removeOnComplete: { age: 7 * 86400, count: 100_000 },
        removeOnFail: false,
      });
    },
    async close() {
      await queue.close();
      connection.disconnect();
    },
  };
}
