// The survey worker: takes one image at a time from the survey-images queue, analyses it, hands
// each violation to the case pipeline (evidence → dedupe → dispatch queue) and reports the image's
// result to the API. Safe to kill at any point: the job is retried by another worker (or this one
// restarted) once its lock expires, and every step repeats without doubling anything — evidence
// is content-addressed, the observation id is a hash of the sighting, dedupe remembers sightings,
// the dispatch job id is the observation id, and the result PUT replaces the earlier one.
import { Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { ReportedViolation, SurveyImageResult } from '../../contracts/survey.ts';
import type { Logger } from '../../infra/logger.ts';
import type { ObjectStore } from '../../infra/object-store.ts';
import { QUEUES } from '../../infra/queues.ts';
import type { SurveyImageJob } from '../../infra/survey-queue.ts';
import type { ModelRegistry } from '../../models/registry.ts';
import { reportViolation, type ReportViolationDeps } from '../cases/report-violation.ts';
import type { ApiTarget } from '../dispatch/post.ts';
import { DEFAULT_ALLOW_LISTS, type LabelAllowList } from './label-allow-list.ts';
import { surveyApi } from './survey-api.ts';
import { analyseSurveyImage, ImageUnusable, sourceIdOf, type SurveyContext } from './survey-image.ts';

export interface SurveyWorkerOptions {
  redisUrl: string;
  prefix?: string;
  api: ApiTarget;
  objects: ObjectStore;
  registry: ModelRegistry;
  /** The case pipeline's dependencies (createCaseReporter(...).deps). */
  cases: ReportViolationDeps;
  allow?: LabelAllowList;
  /** Manifest ids of detectors trained on aerial images. */
  aerialModels?: readonly string[];
  overlap?: number;
  maxPixels?: number;
  /** Images at once (default 1: one inference already uses every core). */
  concurrency?: number;
  /** How long a job stays with a worker that stops answering (default 60 s; a large image takes a while). */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  logger?: Logger;
}

export interface SurveyWorker {
  worker: Worker<SurveyImageJob>;
  close(): Promise<void>;
}

export function startSurveyWorker(options: SurveyWorkerOptions): SurveyWorker {
  const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  const api = surveyApi(options.api);
  const log = options.logger;
  const allow = options.allow ?? DEFAULT_ALLOW_LISTS.survey;
  const overlap = options.overlap ?? 0.2;
  // Zone layers change rarely; a short cache spares the API one read per image.
  const surveys = new Map<string, { at: number; survey: Promise<SurveyContext> }>();
  const surveyOf = (id: string) => {
    const hit = surveys.get(id);
    if (hit && Date.now() - hit.at < 10_000) return hit.survey;
    const survey = api.survey(id);
    surveys.set(id, { at: Date.now(), survey });
    survey.catch(() => surveys.delete(id));
    return survey;
  };

  const handle = async (job: Job<SurveyImageJob>): Promise<SurveyImageResult> => {
    const { surveyId, sha256, key, fileName } = job.data;
    const attempt = job.attemptsMade + 1;
    const jlog = log?.child({ survey: surveyId, sha256, file: fileName, attempt });
    const finalAttempt = attempt >= (job.opts.attempts ?? 1);
    const fail = async (error: string) => {
      const result: SurveyImageResult = { status: 'failed', error, attempt };
      await api.putResult(surveyId, sha256, result);
      jlog?.warn({ error }, 'survey image failed');
      return result;
    };
    try {
      const survey = await surveyOf(surveyId);
      const bytes = await options.objects.get(key);
      if (!bytes) throw new Error(`object ${key} is not in the object store (${options.objects.describe()})`);
      const analysed = await options.registry.use((models) =>
        analyseSurveyImage(bytes, { sha256, fileName }, survey, models, { allow, aerialModels: options.aerialModels ?? [], overlap, maxPixels: options.maxPixels }),
      );
      const violations: ReportedViolation[] = [];
      for (const v of analysed.violations) {
        const observation = await reportViolation(v, { ...options.cases, source: () => ({ kind: 'survey', name: survey.name }) });
        violations.push({
          type: v.type,
          ...(v.label ? { label: v.label } : {}),
          observationId: observation.observationId,
          dedupeKey: observation.dedupeKey,
          location: v.location!,
          ...(typeof v.attributes?.zone === 'string' ? { zone: v.attributes.zone } : {}),
        });
      }
      const result: SurveyImageResult = { ...analysed.result, attempt, violations };
      await api.putResult(surveyId, sha256, result);
      jlog?.info(
        { geolocated: result.geolocated, detections: result.detections?.length ?? 0, violations: violations.length, source: sourceIdOf(surveyId) },
        'survey image analysed',
      );
      return result;
    } catch (err) {
      // A bad image fails alone, now: retrying the same bytes gives the same answer.
      if (err instanceof ImageUnusable) return fail(err.message);
      if (finalAttempt && (err as Error).name !== 'UnrecoverableError') {
        await fail(`gave up after ${attempt} attempts: ${(err as Error).message}`).catch(() => {});
      }
      throw err;
    }
  };

  const worker = new Worker<SurveyImageJob>(QUEUES.surveyImages, handle, {
    connection,
    ...(options.prefix ? { prefix: options.prefix } : {}),
    concurrency: options.concurrency ?? 1,
    lockDuration: options.lockDurationMs ?? 60_000,
    ...(options.stalledIntervalMs ? { stalledInterval: options.stalledIntervalMs } : {}),
  });
  worker.on('failed', (job, err) => {
    if (job) log?.warn({ survey: job.data.surveyId, sha256: job.data.sha256, attempt: job.attemptsMade, err: err.message }, 'survey image job failed; retried unless that was the last attempt');
  });
  worker.on('error', (err) => log?.warn({ err: err.message }, 'survey worker error'));
  return {
    worker,
    async close() {
      await worker.close();
      connection.disconnect();
    },
  };
}
