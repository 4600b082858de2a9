// The demo's training at demo scale (scripts/demo/training-loop.ts), without the rest of the demo:
// how many reviews call for a model and how the banner says where that number comes from, and the
// terminal line that says why no model is trained when every reviewed case of a type was confirmed.
// Real API on PGlite, real redis-server, real cases from a sample photo.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../infra/logger.ts';
import { DEMO_AFTER_REVIEWS, startDemoTraining, type DemoTraining } from '../../scripts/demo/training-loop.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { startRedis, type TestRedis } from '../support/redis-server.ts';
import { cellCase } from '../support/sample-cases.ts';
import type { EmbeddedApi } from '../../api/embedded.ts';

let api: TestApi;
let redis: TestRedis;
const running: DemoTraining[] = [];
const lines: string[] = [];
const quiet = createLogger('training', {}, { write: () => true });

/** The parts of the embedded API the demo's training uses, from the test API. */
const embedded = () => ({ app: api.app, keys: { reviewer: api.keys.reviewer } }) as unknown as EmbeddedApi;

function start(env: NodeJS.ProcessEnv): DemoTraining {
  const t = startDemoTraining({ api: embedded(), modelsDir: '/nonexistent-models', redisUrl: redis.url, logger: quiet, print: (l) => void lines.push(l), env, everyMs: 3_600_000 });
  running.push(t);
  return t;
}

beforeAll(async () => {
  api = await startTestApi();
  redis = await startRedis();
}, 60_000);

afterAll(async () => {
  for (const t of running) await t.service.close();
  await redis?.stop();
  await api?.close();
});

describe('the demo’s training', () => {
  it('trains after a demo-scale number of reviews and says so; TRAINING_AFTER_REVIEWS overrides it; a bad value is refused by name', () => {
    const demo = start({});
    expect(demo.afterReviews).toBe(DEMO_AFTER_REVIEWS);
    expect(demo.describe).toBe('demo scale; TRAINING_AFTER_REVIEWS overrides, production default 50');
    const set = start({ TRAINING_AFTER_REVIEWS: '7' });
    expect(set).toMatchObject({ afterReviews: 7, describe: 'set by TRAINING_AFTER_REVIEWS' });
    expect(() => start({ TRAINING_AFTER_REVIEWS: 'few' })).toThrow('TRAINING_AFTER_REVIEWS must be a whole number of reviews, at least 1 (got "few")');
  });

  it('tells the terminal why no verdict model is trained when every reviewed case was confirmed, and queues nothing', async () => {
    const demo = running[0]!;
    for (let i = 0; i < DEMO_AFTER_REVIEWS; i++) {
      const id = await cellCase(api, { name: `parked-${i}`, file: 'darknet/dog.jpg', cell: [i % 3, 1], camera: 'demo-dog-street', type: 'illegal_parking', label: 'truck' });
      expect((await api.app.inject({ method: 'POST', url: `/v1/cases/${id}/confirm`, headers: api.headers('reviewer'), payload: {} })).statusCode).toBe(200);
    }
    expect(await demo.service.check()).toEqual([]);
    expect(lines).toContain(
      `training   not queued: verdict_illegal_parking: all ${DEMO_AFTER_REVIEWS} reviewed cases confirmed; a verdict model needs confirmed and rejected cases, so training waits for a rejected one`,
    );
    expect(await demo.service.queue.queue.getJobCounts('waiting', 'active')).toEqual({ waiting: 0, active: 0 });
  });
});
