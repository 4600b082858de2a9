// Upgrading from a version that queued camera passwords in clear: the camera sync loop replaces
// such jobs with the sealed configuration from the API, and then has Redis rewrite its AOF, so the
// clear text leaves the disk as well as the queue.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { CameraConfig } from '../../contracts/camera.ts';
import { QUEUES } from '../../infra/queues.ts';
import { CAMERA_JOB, cameraJobId } from '../../pipeline/cameras/camera-queue.ts';
import { startCameraSync } from '../../pipeline/cameras/camera-sync.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { startRedis, type TestRedis } from '../support/redis-server.ts';
import { until } from '../support/until.ts';

const PASSWORD = 'old-clear-Pa55';
const camera: CameraConfig = {
  id: 'gate7',
  name: 'Gate 7',
  url: `rtsp://admin:${PASSWORD}@10.0.0.7/stream1`,
  zones: [{ id: 'kerb', kind: 'no_parking', polygon: [[0.1, 0.1], [0.9, 0.1], [0.9, 0.9]] }],
};

let redis: TestRedis;
let api: TestApi;
let conn: Redis;

beforeAll(async () => {
  redis = await startRedis();
  conn = new Redis(redis.url, { maxRetriesPerRequest: null });
  api = await startTestApi();
  await api.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  conn?.disconnect();
  await api?.close();
  await redis?.stop();
});

async function persisted(): Promise<string> {
  const [, dir] = (await conn.config('GET', 'dir')) as [string, string];
  const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((f) => f.isFile());
  return (await Promise.all(files.map((f) => readFile(path.join(f.parentPath, f.name), 'latin1').catch(() => '')))).join('\n');
}

it('replaces a job queued with a clear password and rewrites the AOF without it', async () => {
  expect((await api.app.inject({ method: 'PUT', url: '/v1/cameras/gate7', headers: api.headers('operator'), payload: camera })).statusCode).toBe(201);
  // What an earlier version left: the job with the password in clear, on disk in the AOF.
  const old = new Queue<CameraConfig>(QUEUES.cameraStreams, { connection: conn });
  await old.add(CAMERA_JOB, camera, { jobId: cameraJobId(camera.id) });
  await old.close();
  await until(async () => (await persisted()).includes(PASSWORD), 10_000, 'the clear job in the AOF');

  const changes: string[] = [];
  const sync = startCameraSync({ api: { url: `http://127.0.0.1:${(api.app.server.address() as { port: number }).port}`, key: api.keys.ingest }, redisUrl: redis.url, onChange: (c) => void changes.push(`${c.camera} ${c.action}`) });
  try {
    await sync.sync();
  } finally {
    await sync.close();
  }
  expect(changes).toEqual(['gate7 replaced']);
  const jobs = new Queue<CameraConfig>(QUEUES.cameraStreams, { connection: conn });
  const job = await jobs.getJob(cameraJobId('gate7'));
  await jobs.close();
  expect(job!.data.url).toMatch(/^rtsp:\/\/admin:\{sealed:v1:/);
  await until(async () => /aof_rewrite_in_progress:0/.test(await conn.info('persistence')) && !(await persisted()).includes(PASSWORD), 20_000, 'the AOF rewritten without the clear password');
  expect(await persisted()).toContain('{sealed:v1:');
});
