// The demo's survey-against-survey comparison (scripts/demo/change-demo.ts) on a real API (PGlite)
// with a real redis-server, the case reporter and the dispatch worker as npm start runs them: the
// pair is made from sample images, the new block arrives as one illegal_construction case of the
// later survey, and a second run (a restart) reuses the surveys and the pair and adds no case.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaseReporter, type CaseReporter } from '../../pipeline/cases/reporter.ts';
import { startDispatchWorker, type DispatchWorker } from '../../pipeline/dispatch/worker.ts';
import { DEMO_CHANGE_AFTER, DEMO_CHANGE_BEFORE, runChangeDemo } from '../../scripts/demo/change-demo.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { freePort } from '../support/ports.ts';
import { startRedis, type TestRedis } from '../support/redis-server.ts';
import { until } from '../support/until.ts';

describe('demo: survey against survey', () => {
  let dir: string;
  let api: TestApi;
  let redis: TestRedis;
  let reporter: CaseReporter;
  let dispatch: DispatchWorker;
  let url: string;
  const lines: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'change-demo-'));
    api = await startTestApi({ kind: 'pglite' }, { now: () => new Date() });
    const port = await freePort();
    await api.app.listen({ port, host: '127.0.0.1' });
    url = `http://127.0.0.1:${port}`;
    redis = await startRedis();
    reporter = createCaseReporter({ redisUrl: redis.url, objects: api.objects });
    dispatch = startDispatchWorker({ redisUrl: redis.url, api: { url, key: api.keys.ingest }, baseDelayMs: 100, maxDelayMs: 500 });
  }, 60_000);

  afterAll(async () => {
    await dispatch?.close();
    await reporter?.close();
    await redis?.stop();
    await api?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const run = () => runChangeDemo({ apiUrl: url, operatorKey: api.keys.operator, reviewerKey: api.keys.reviewer, dataDir: dir, objects: api.objects, reporter, print: (l) => void lines.push(l) });
  const constructionCases = () => api.app.db.query<{ id: number; source_id: string; observation_count: number }>("SELECT id, source_id, observation_count FROM cases WHERE type = 'illegal_construction' ORDER BY id");
  const surveys = async () => (await api.app.inject({ url: '/v1/surveys', headers: api.headers('operator') })).json().items as Array<{ id: string; name: string }>;

  it('raises the new block as one case of the later survey and prints where to see it', async () => {
    await run();
    await until(async () => (await constructionCases()).length > 0, 30_000, 'the illegal_construction case delivered');
    const rows = await constructionCases();
    const after = (await surveys()).find((s) => s.name === DEMO_CHANGE_AFTER)!;
    expect(rows).toHaveLength(1);
    expect(rows[0]!.source_id).toBe(`survey-${after.id}`);
    expect(lines.join('\n')).toMatch(/1 illegal_construction case\(s\)/);
    expect(lines.join('\n')).toContain(`/review/survey.html#survey=${after.id}&key=`);
  });

  it('adds no survey and no case when run again', async () => {
    const before = await constructionCases();
    await run();
    // The repeated sighting goes through the queue too: give it time to arrive before counting.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await constructionCases()).toEqual(before);
    const names = (await surveys()).map((s) => s.name);
    expect(names.filter((n) => n === DEMO_CHANGE_BEFORE || n === DEMO_CHANGE_AFTER)).toHaveLength(2);
  });
});
