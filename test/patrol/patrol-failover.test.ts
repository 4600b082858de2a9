// Patrol cameras survive a dead worker: two real worker processes share patrol cameras through a
// real Redis; the one patrolling them is killed outright (SIGKILL of its process group, as a
// machine failure would), and the other takes every camera over and patrols it, once: the loopback
// snapshot cameras count the grabs, which never come faster than one patroller's passes.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseCameraConfig } from '../../contracts/camera.ts';
import { openCameraQueue, type CameraQueue } from '../../pipeline/cameras/camera-queue.ts';
import { startLoopbackSnapshotServer, type LoopbackSnapshotServer } from '../../pipeline/patrol/loopback-snapshot-server.ts';
import { startRedis, type TestRedis } from '../support/redis-server.ts';
import { until } from '../support/until.ts';
import { killWorkerGroup, startCameraWorker, type WorkerProcess } from '../support/worker-process.ts';
import { FAR_KERB, parkedStreet } from './street-snapshots.ts';

const CAMERAS = ['patrol-x', 'patrol-y'];
let dir: string;
let redis: TestRedis;
let snapshots: LoopbackSnapshotServer;
let queue: CameraQueue;
const workers: WorkerProcess[] = [];

function startWorker(): WorkerProcess {
  const w = startCameraWorker(redis.url, { DATA_DIR: dir });
  workers.push(w);
  return w;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'patrol-failover-'));
  redis = await startRedis();
  snapshots = await startLoopbackSnapshotServer();
  queue = openCameraQueue(redis.url);
});

afterAll(async () => {
  await Promise.all(workers.map(killWorkerGroup));
  await queue?.close();
  await snapshots?.stop();
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

const grabs = () => CAMERAS.map((id) => snapshots.requests(`/${id}.jpg`));
const warned = (w: WorkerProcess) => new Set(w.events.filter((e) => e.event === 'warning').map((e) => e.sourceId));

it('hands the patrol cameras of a killed worker to the other one, never patrolling a camera twice', async () => {
  const jpeg = await parkedStreet();
  const first = startWorker();
  await until(() => first.events.some((e) => e.event === 'ready'), 60_000, 'first worker ready');
  for (const id of CAMERAS) {
    snapshots.serve(`/${id}.jpg`, [{ jpeg }]);
    await queue.addCamera(
      parseCameraConfig(
        {
          id,
          url: 'rtsp://192.0.2.1/unused',
          analysis: { mode: 'patrol', everySeconds: 1, grab: 'snapshot', snapshotUrl: snapshots.url(`/${id}.jpg`), width: 768 },
          // A warning a second after the parked pick-up is seen proves the passes are analysed.
          rules: { illegal_parking: { dwellSeconds: 3600, warnAfterSeconds: 1 } },
          zones: [FAR_KERB],
        },
        'test',
      ),
    );
  }
  await until(() => first.watching.size === 2 && warned(first).size === 2, 60_000, 'first worker patrolling both cameras');

  const second = startWorker();
  await until(() => second.events.some((e) => e.event === 'ready'), 60_000, 'second worker ready');
  await new Promise((r) => setTimeout(r, 3000));
  expect(second.watching.size).toBe(0);

  await killWorkerGroup(first);
  const atDeath = grabs();
  await until(() => second.watching.size === 2, 45_000, 'second worker taking both cameras over');
  expect([...second.watching].sort()).toEqual(CAMERAS);
  await until(() => warned(second).size === 2, 30_000, 'warnings from the second worker');

  // Patrolled once: over 5 s at one pass a second, one patroller grabs about 5 times, two would grab about 10.
  const before = grabs();
  await new Promise((r) => setTimeout(r, 5000));
  const after = grabs();
  CAMERAS.forEach((_, i) => {
    expect(before[i]!).toBeGreaterThan(atDeath[i]!);
    expect(after[i]! - before[i]!).toBeGreaterThanOrEqual(3);
    expect(after[i]! - before[i]!).toBeLessThanOrEqual(7);
  });
}, 240_000);
