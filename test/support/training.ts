// The training service as the tests run it beside the test API: reviews exported in process with
// the reviewer's key (as the demo's service does beside its API), a trigger that only runs when the
// test calls check(), two threads, and every log line kept for the test to read.
import type { Transport } from '../../models/dataset/transport.ts';
import { exportedReviewCrops } from '../../models/versions/reviewed-crops.ts';
import { startTrainingService, type TrainingService } from '../../models/versions/training-service.ts';
import type { TestApi } from './api.ts';
import type { TestRedis } from './redis-server.ts';

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

export function testTrainingService(
  api: TestApi,
  redis: TestRedis,
  o: { modelsDir: string; afterReviews: number; logged: LoggedLine[]; rescore?: boolean },
): TrainingService {
  return startTrainingService({
    db: api.app.db,
    modelsDir: o.modelsDir,
    redisUrl: redis.url,
    afterReviews: o.afterReviews,
    everyMs: 3_600_000,
    threads: 2,
    reviewedCrops: exportedReviewCrops(reviewerTransport(api)),
    ...(o.rescore ? { objects: api.objects } : {}),
    log: (obj, msg) => o.logged.push({ obj: obj as Record<string, unknown>, msg }),
  });
}
