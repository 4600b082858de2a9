// The training service as the tests run it beside the test API: reviews exported in process with
// the reviewer's key (as the demo's service does beside its API), a trigger that only runs when the
// test calls check(), two threads, and every log line kept for the test to read.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { QueueEvents } from 'bullmq';
import { afterAll } from 'vitest';
import type { Transport } from '../../models/dataset/transport.ts';
import type { RescoreOutcome } from '../../models/versions/rescore-open-cases.ts';
import { exportedReviewCrops } from '../../models/versions/reviewed-crops.ts';
import type { ReviewedCrops } from '../../models/versions/training-job.ts';
import { startTrainingService, type TrainingService } from '../../models/versions/training-service.ts';
import { QUEUES } from '../../infra/queues.ts';
import { startTestApi, type TestApi } from './api.ts';
import { startRedis, type TestRedis } from './redis-server.ts';

export interface LoggedLine {
  obj: Record<string, unknown>;
  msg: string;
}

/** GET through the test API's app in process, as a reviewer: what dataset:export reads. */
export function reviewerTransport(api: TestApi): Transport {
  return async (url) => {
    const res = await api.app.inject({ method: 'GET', url, headers: api.headers('reviewer') });
    return { status: res.statusCode, body: res.rawPayload };
  };
}

/** Everything a training test runs on: a temp folder, the API on PGlite with its models there, a redis-server, the service and its queue events. */
export interface TrainingBench {
  work: string;
  modelsDir: string;
  api: TestApi;
  redis: TestRedis;
  service: TrainingService;
  events: QueueEvents;
}

/**
 * Call at the top of a test file and start() in beforeAll; everything is closed and the folder
 * removed after the file's tests. `reviewedCrops` replaces the export (a test that hands the job
 * its own review tree); `rescore` gives the service the evidence store.
 */
export function trainingBench(
  prefix: string,
  o: { afterReviews: number; logged: LoggedLine[]; rescore?: boolean; reviewedCrops?: ReviewedCrops; onRescored?: (r: RescoreOutcome) => void },
): { start(): Promise<TrainingBench> } {
  let bench: Partial<TrainingBench> = {};
  afterAll(async () => {
    await bench.events?.close();
    await bench.service?.close();
    await bench.redis?.stop();
    await bench.api?.close();
    if (bench.work) await rm(bench.work, { recursive: true, force: true });
  });
  return {
    async start() {
      const work = await mkdtemp(path.join(os.tmpdir(), `${prefix}-`));
      const modelsDir = path.join(work, 'models');
      bench = { work, modelsDir };
      const api = (bench.api = await startTestApi({ kind: 'pglite' }, { modelsDir }));
      const redis = (bench.redis = await startRedis());
      const service = (bench.service = startTrainingService({
        db: api.app.db,
        modelsDir,
        redisUrl: redis.url,
        afterReviews: o.afterReviews,
        everyMs: 3_600_000,
        threads: 2,
        reviewedCrops: o.reviewedCrops ?? exportedReviewCrops(reviewerTransport(api)),
        ...(o.rescore ? { objects: api.objects } : {}),
        ...(o.onRescored ? { onRescored: o.onRescored } : {}),
        log: (obj, msg) => o.logged.push({ obj: obj as Record<string, unknown>, msg }),
      }));
      const events = (bench.events = new QueueEvents(QUEUES.training, { connection: { host: '127.0.0.1', port: redis.port } }));
      await events.waitUntilReady();
      return { work, modelsDir, api, redis, service, events };
    },
  };
}
