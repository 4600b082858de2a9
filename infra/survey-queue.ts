// The survey-images queue (BullMQ, QUEUES.surveyImages): one job per distinct image of a survey.
// The API adds jobs when images arrive; survey workers take them. The job id is the survey id and
// the image's sha256, so an image uploaded twice, or re-enqueued after a restart, is one job.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { QUEUES } from './queues.ts';

export const SURVEY_IMAGE_JOB = 'survey-image';

export interface SurveyImageJob {
  surveyId: string;
  sha256: string;
  /** Object-store key of the uploaded bytes (content-addressed: the sha256). */
  key: string;
  fileName: string;
}

export interface SurveyQueueSettings {
  redisUrl: string;
  /** BullMQ key prefix (tests and deployments sharing one Redis). */
  prefix?: string;
  /** Tries per image before it is left failed (default 5). */
  attempts?: number;
}

export interface SurveyQueue {
  enqueue(job: SurveyImageJob): Promise<void>;
  /**
   * Puts an image back on the queue whatever became of its job: a finished one (failed, or
   * completed with the image reported failed) is retried with its attempts counted from zero, a
   * job already waiting or running is left alone, and a job Redis no longer has is added again.
   */
  requeue(job: SurveyImageJob): Promise<'retried' | 'pending' | 'added'>;
  /** The images of a survey that workers hold right now (their jobs are active). */
  analysing(surveyId: string): Promise<Set<string>>;
  queue: Queue<SurveyImageJob>;
  close(): Promise<void>;
}

/** BullMQ refuses ":" in custom ids; survey ids are digits and the hash is hex. */
export function surveyImageJobId(surveyId: string, sha256: string): string {
  return `survey-${surveyId}-${sha256}`;
}

export function createSurveyQueue(settings: SurveyQueueSettings): SurveyQueue {
  const connection = new Redis(settings.redisUrl, { maxRetriesPerRequest: null });
  // Redis briefly away is reported on the add() that needs it; the connection recovers by itself.
  connection.on('error', () => {});
  const queue = new Queue<SurveyImageJob>(QUEUES.surveyImages, { connection, ...(settings.prefix ? { prefix: settings.prefix } : {}) });
  const enqueue = async (job: SurveyImageJob) => {
    await queue.add(SURVEY_IMAGE_JOB, job, {
      jobId: surveyImageJobId(job.surveyId, job.sha256),
      attempts: settings.attempts ?? 5,
      backoff: { type: 'exponential', delay: 2000 },
      removeOnComplete: { age: 30 * 86400, count: 100_000 },
      removeOnFail: false,
    });
  };
  return {
    queue,
    enqueue,
    async requeue(job) {
      const existing = await queue.getJob(surveyImageJobId(job.surveyId, job.sha256));
      const state = existing ? await existing.getState() : 'unknown';
      if (existing && (state === 'failed' || state === 'completed')) {
        await existing.retry(state, { resetAttemptsMade: true, resetAttemptsStarted: true });
        return 'retried';
      }
      if (existing && state !== 'unknown') return 'pending';
      // Same job id as an upload's: adding it is still a no-op if another requeue got there first.
      await enqueue(job);
      return 'added';
    },
    async analysing(surveyId) {
      // Active jobs are few (one per worker slot), so reading them all is cheap.
      const active = await queue.getActive();
      return new Set(active.filter((j) => j?.data?.surveyId === surveyId).map((j) => j.data.sha256));
    },
    async close() {
      await queue.close();
      connection.disconnect();
    },
  };
}
