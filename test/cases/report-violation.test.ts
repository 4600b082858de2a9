// The whole path from a worker's violation to a case: evidence drawn and stored, dedupe in Redis,
// the dispatch queue, the API. Two workers reporting the same parked car make one case.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../api/app.ts';
import { createKey } from '../../api/auth/keys.ts';
import type { Violation } from '../../contracts/types.ts';
import { FolderObjectStore } from '../../infra/object-store-folder.ts';
import { sha256Hex } from '../../infra/object-store.ts';
import { createCaseReporter, type CaseReporter } from '../../pipeline/cases/reporter.ts';
import { startDispatchWorker, type DispatchWorker } from '../../pipeline/dispatch/worker.ts';
import { frameFromSample } from '../support/frames.ts';
import { freePort } from '../support/ports.ts';
import { startRedis, type TestRedis } from '../support/redis-server.ts';
import { until } from '../support/wait.ts';

describe('reportViolation → case', () => {
  let dir: string;
  let redis: TestRedis;
  let api: FastifyInstance;
  let reporters: CaseReporter[] = [];
  let worker: DispatchWorker;
  let reviewer: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'report-'));
    redis = await startRedis();
    const objects = new FolderObjectStore(path.join(dir, 'objects'));
    api = await buildApi({ db: { kind: 'pglite' }, objects, logLevel: 'warn' });
    const port = await freePort();
    await api.listen({ port, host: '127.0.0.1' });
    const ingest = (await createKey(api.db, 'ingest', 'workers')).key;
    reviewer = (await createKey(api.db, 'reviewer', 'reviewer')).key;
    const source = (id: string) => (id === 'cam-east' ? { name: '东门路口', timezone: 'Asia/Shanghai' } : undefined);
    // Two camera workers, each with its own Redis connections, sharing the object store.
    reporters = [0, 1].map(() => createCaseReporter({ redisUrl: redis.url, objects, source, modelSha256: () => 'f'.repeat(64) }));
    worker = startDispatchWorker({ redisUrl: redis.url, api: { url: `http://127.0.0.1:${port}`, key: ingest }, baseDelayMs: 100, maxDelayMs: 500 });
  });
  afterAll(async () => {
    await worker?.close();
    for (const r of reporters) await r.close();
    await api?.close();
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const get = async (url: string) => (await api.inject({ method: 'GET', url, headers: { authorization: `Bearer ${reviewer}` } })).json();

  it('turns one parked car seen by two workers at the same moment into one case with trustworthy evidence', async () => {
    const began = await frameFromSample('darknet/dog.jpg', 'cam-east', new Date('2026-03-02T01:50:00Z'));
    const confirmed = await frameFromSample('darknet/dog.jpg', 'cam-east', new Date('2026-03-02T01:56:00Z'));
    const violation = (trackId: number, box: [number, number, number, number]): Violation => ({
      type: 'illegal_parking',
      sourceId: 'cam-east',
      zoneId: 'no-parking-1',
      trackId,
      observedAt: confirmed.capturedAt,
      startedAt: began.capturedAt,
      box,
      score: 0.83,
      label: 'truck',
      modelId: 'nanodet-coco-416',
      attributes: { plate: '沪A12345' },
      evidenceFrames: [began, confirmed],
    });
    await Promise.all([reporters[0]!.sink(violation(3, [466, 74, 683, 171])), reporters[1]!.sink(violation(11, [468, 75, 684, 172]))]);
    const list = await until('the case to arrive with both sightings', async () => {
      const page = await get('/v1/cases?source=cam-east');
      return page.items.length === 1 && page.items[0].observationCount === 2 ? page : undefined;
    });
    const c = await get(`/v1/cases/${list.items[0].id}`);
    expect(c).toMatchObject({
      type: 'illegal_parking',
      status: 'pending_review',
      standard: 'GB/T 47678.5-2026',
      code: '09009',
      source: { kind: 'camera', id: 'cam-east', name: '东门路口' },
      zoneId: 'no-parking-1',
      plate: '沪A12345',
      firstSeen: '2026-03-02T01:50:00.000Z',
      lastSeen: '2026-03-02T01:56:00.000Z',
      model: { id: 'nanodet-coco-416', sha256: 'f'.repeat(64) },
    });
    expect(new Set(c.evidence.map((e: { kind: string }) => e.kind))).toEqual(new Set(['frame', 'clean_frame', 'crop', 'start_frame', 'comparison']));
    for (const e of c.evidence) {
      const res = await api.inject({ method: 'GET', url: e.url });
      expect(res.statusCode).toBe(200);
      expect(sha256Hex(res.rawPayload)).toBe(e.sha256);
    }
    // Reporting the same sighting again (a worker retried) changes nothing.
    await reporters[0]!.sink(violation(3, [466, 74, 683, 171]));
    await until('the repeat to be processed', async () => (await reporters[0]!.queue.queue.getJobCounts('waiting', 'active', 'delayed')).waiting === 0);
    expect((await get(`/v1/cases/${c.id}`)).observationCount).toBe(2);
  });

  it('files a geolocated sighting with its position, visible in the GeoJSON export', async () => {
    const photo = await frameFromSample('darknet/horses.jpg', 'survey-2026-03-02', new Date('2026-03-02T03:00:00Z'));
    await reporters[0]!.sink({
      type: 'exposed_garbage',
      sourceId: 'survey-2026-03-02',
      observedAt: photo.capturedAt,
      box: [50, 50, 200, 200],
      score: 0.66,
      location: { lat: 31.2304, lon: 121.4737, accuracyM: 4 },
      evidenceFrames: [photo],
    });
    const page = await until('the survey case', async () => {
      const p = await get('/v1/cases?source=survey-2026-03-02');
      return p.items.length === 1 ? p : undefined;
    });
    expect(page.items[0]).toMatchObject({ source: { kind: 'survey' }, location: { lat: 31.2304, lon: 121.4737, accuracyM: 4 }, code: '06010' });
    const geo = await get('/v1/export/cases.geojson?sourceKind=survey');
    expect(geo.features[0].geometry).toEqual({ type: 'Point', coordinates: [121.4737, 31.2304] });
  });
});
