// Everything a worker process needs to turn violations into cases, from a Redis URL and an object
// store: the dedupe index, the dispatch queue, and the sink to hand to the camera or drone worker.
// The dispatch worker (pipeline/dispatch/worker.ts) may run in the same process or elsewhere.
import { Redis } from 'ioredis';
import type { Logger } from '../../infra/logger.ts';
import type { ObjectStore } from '../../infra/object-store.ts';
import { createDedupe, type Dedupe } from '../dedupe/dedupe.ts';
import type { DedupeSettings } from '../dedupe/settings.ts';
import { createDispatchQueue, type DispatchQueue } from '../dispatch/queue.ts';
import { reportViolation, type ReportViolationDeps, type ViolationSink } from './report-violation.ts';

export interface CaseReporterOptions {
  redisUrl: string;
  objects: ObjectStore;
  source?: ReportViolationDeps['source'];
  modelSha256?: ReportViolationDeps['modelSha256'];
  /** Reads plates on camera parking sightings (e.g. () => registry.current().plateReader). */
  plateReader?: ReportViolationDeps['plateReader'];
  /** The loaded classifiers, whose verdict classifiers score sightings (e.g. () => registry.current().classifiers). */
  classifiers?: ReportViolationDeps['classifiers'];
  dedupe?: Partial<DedupeSettings>;
  prefix?: string;
  logger?: Logger;
}

export interface CaseReporter {
  sink: ViolationSink;
  deps: ReportViolationDeps;
  dedupe: Dedupe;
  queue: DispatchQueue;
  close(): Promise<void>;
}

export function createCaseReporter(options: CaseReporterOptions): CaseReporter {
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  const dedupe = createDedupe(redis, { settings: options.dedupe, prefix: options.prefix ? `${options.prefix}:dedupe` : undefined });
  const queue = createDispatchQueue(options.redisUrl, { prefix: options.prefix });
  const deps: ReportViolationDeps = {
    objects: options.objects,
    dedupe,
    dispatch: queue,
    source: options.source,
    modelSha256: options.modelSha256,
    ...(options.plateReader ? { plateReader: options.plateReader } : {}),
    ...(options.classifiers ? { classifiers: options.classifiers } : {}),
    logger: options.logger,
  };
  return {
    sink: async (v) => {
      await reportViolation(v, deps);
    },
    deps,
    dedupe,
    queue,
    async close() {
      await queue.close();
      redis.disconnect();
    },
  };
}
