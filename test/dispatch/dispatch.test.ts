// The dispatch queue delivering to a real API over HTTP: the API going away mid-delivery and
// coming back, responses lost after the API committed, and bodies the API will never accept.
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../api/app.ts';
import { createKey } from '../../api/auth/keys.ts';
import type { CaseObservation } from '../../contracts/case.ts';
import { FolderObjectStore } from '../../infra/object-store-folder.ts';
import { createDispatchQueue, type DispatchQueue } from '../../pipeline/dispatch/queue.ts';
import { backoffDelay, startDispatchWorker, type DispatchWorker } from '../../pipeline/dispatch/worker.ts';
import { observation, storedEvidence } from '../support/api.ts';
import { freePort } from '../support/ports.ts';
import { startRedis, type TestRedis } from '../support/redis-server.ts';
import { until } from '../support/wait.ts';

describe('dispatch to the API', () => {
  let dir: string;
  let redis: TestRedis;
  let objects: FolderObjectStore;
  let port: number;
  let api: FastifyInstance | undefined;
  let key: string;
  let queue: DispatchQueue;
  let worker: DispatchWorker | undefined;
  let proxy: http.Server | undefined;

  const startApi = async () => {
    api = await buildApi({ db: { kind: 'pglite', dir: path.join(dir, 'pglite') }, objects, logLevel: 'fatal' });
    await api.listen({ port, host: '127.0.0.1' });
  };
  const stopApi = async () => {
    await api?.close();
    api = undefined;
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dispatch-'));
    redis = await startRedis();
    objects = new FolderObjectStore(path.join(dir, 'objects'));
    port = await freePort();
    await startApi();
    key = (await createKey(api!.db, 'ingest', 'camera workers')).key;
    queue = createDispatchQueue(redis.url);
  });
  afterAll(async () => {
    await worker?.close();
    await queue?.close();
    await new Promise((r) => (proxy ? proxy.close(r) : r(undefined)));
    await stopApi();
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const observations = async (n: number, keys: number, tag: string): Promise<CaseObservation[]> => {
    const evidence = [await storedEvidence(objects)];
    return Array.from({ length: n }, (_, i) =>
      observation({ dedupeKey: `illegal_parking:${tag}-${i % keys}`, observationId: `${tag}-obs-${i}`, observedAt: new Date(Date.parse('2026-03-02T01:00:00Z') + i * 1000).toISOString(), evidence }),
    );
  };
  const storeCount = async (sql: string, params: unknown[]) => {
    const [row] = await api!.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params);
    return row!.n;
  };

  it('delivers every observation exactly once although the API is restarted in the middle', async () => {
    worker = startDispatchWorker({ redisUrl: redis.url, api: { url: `http://127.0.0.1:${port}`, key }, baseDelayMs: 100, maxDelayMs: 400, concurrency: 4 });
    const first = await observations(40, 8, 'restart');
    for (const o of first.slice(0, 20)) await queue.enqueue(o);
    await until('some deliveries before the restart', async () => (await storeCount("observations WHERE id LIKE 'restart-%'", [])) >= 5);
    await stopApi();
    // While the API is down: more sightings come in, and the first ones are reported again.
    for (const o of first.slice(20)) await queue.enqueue(o);
    for (const o of first.slice(0, 5)) await queue.enqueue(o);
    await until('deliveries failing while the API is down', async () => ((await queue.queue.getJobCounts('delayed')).delayed ?? 0) > 0);
    await new Promise((r) => setTimeout(r, 1500));
    await startApi();
    await until('all 40 delivered', async () => (await queue.queue.getJobCounts('completed')).completed === 40, 60_000);
    expect(await storeCount("observations WHERE id LIKE 'restart-%'", [])).toBe(40);
    expect(await storeCount("cases WHERE dedupe_key LIKE 'illegal_parking:restart-%'", [])).toBe(8);
    const perCase = await api!.db.query<{ observation_count: number }>("SELECT observation_count FROM cases WHERE dedupe_key LIKE 'illegal_parking:restart-%'");
    expect(perCase.map((r) => r.observation_count)).toEqual([5, 5, 5, 5, 5, 5, 5, 5]);
    expect((await queue.queue.getJobCounts('failed')).failed).toBe(0);
  });

  it('records an observation once when the API committed it but the answer was lost', async () => {
    await worker?.close();
    // A proxy that forwards each post to the API and then drops the first answer of each observation.
    const answered = new Set<string>();
    const proxyPort = await freePort();
    proxy = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', async () => {
        const body = Buffer.concat(chunks);
        const upstream = await fetch(`http://127.0.0.1:${port}${req.url}`, { method: req.method, headers: { 'content-type': 'application/json', authorization: req.headers.authorization! }, body });
        const text = await upstream.text();
        const id = (JSON.parse(body.toString()) as CaseObservation).observationId;
        if (!answered.has(id)) {
          answered.add(id);
          req.socket.destroy();
          return;
        }
        res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(text);
      });
    });
    await new Promise<void>((r) => proxy!.listen(proxyPort, '127.0.0.1', r));
    worker = startDispatchWorker({ redisUrl: redis.url, api: { url: `http://127.0.0.1:${proxyPort}`, key }, baseDelayMs: 100, maxDelayMs: 300 });
    const lost = await observations(10, 3, 'lost');
    for (const o of lost) await queue.enqueue(o);
    await until('all 10 delivered through the lossy proxy', async () => (await queue.queue.getJobCounts('completed')).completed === 50, 60_000);
    expect(answered.size).toBe(10);
    expect(await storeCount("observations WHERE id LIKE 'lost-%'", [])).toBe(10);
    expect(await storeCount("cases WHERE dedupe_key LIKE 'illegal_parking:lost-%'", [])).toBe(3);
    const results = await Promise.all(lost.map((o) => queue.queue.getJob(o.observationId)));
    expect(results.every((j) => j?.returnvalue?.result === 'duplicate' && (j?.attemptsMade ?? 0) >= 1)).toBe(true);
  });

  it('does not retry an observation the API calls invalid, and keeps it in the failed set', async () => {
    await worker?.close();
    worker = startDispatchWorker({ redisUrl: redis.url, api: { url: `http://127.0.0.1:${port}`, key }, baseDelayMs: 100, maxDelayMs: 300 });
    const [bad] = await observations(1, 1, 'invalid');
    await queue.enqueue({ ...bad!, score: 7 });
    const job = await until('the invalid job to fail', async () => {
      const j = await queue.queue.getJob(bad!.observationId);
      return (await j?.getState()) === 'failed' ? j : undefined;
    });
    expect(job!.attemptsMade).toBe(1);
    expect(job!.failedReason).toContain('score');
  });

  it('backs off exponentially with jitter up to the cap', () => {
    expect(backoffDelay(1, 1000, 30_000, () => 0.5)).toBe(1000);
    expect(backoffDelay(4, 1000, 30_000, () => 0.5)).toBe(8000);
    expect(backoffDelay(20, 1000, 30_000, () => 0.5)).toBe(30_000);
    expect(backoffDelay(20, 1000, 30_000, () => 1)).toBe(36_000);
  });
});
