// Patrol cameras are camera-streams jobs like watched ones: two real workers on a real Redis share
// them, each camera is patrolled by one worker only (its snapshot server counts the grabs), the
// heartbeat in Redis (GET /v1/status) and the metrics show each camera's passes, and a removed
// camera is let go. Takeover of a dead worker's cameras is the job lease's, as camera-failover.test.ts
// shows for watched cameras.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseCameraConfig } from '../../contracts/camera.ts';
import { createCameraDetector } from '../../pipeline/cameras/camera-detector.ts';
import { openCameraQueue, type CameraQueue } from '../../pipeline/cameras/camera-queue.ts';
import { startCameraWorker, type CameraWorker } from '../../pipeline/cameras/camera-worker.ts';
import { queueDetector } from '../../pipeline/cameras/detector-queue.ts';
import type { Detector } from '../../pipeline/detect/detector.ts';
import { startLoopbackSnapshotServer, type LoopbackSnapshotServer } from '../../pipeline/patrol/loopback-snapshot-server.ts';
import type { PatrolHealth } from '../../pipeline/patrol/patrol-camera.ts';
import { readWorkerStatuses } from '../../pipeline/status/worker-status.ts';
import { redisConnection } from '../../pipeline/cameras/camera-queue.ts';
import { captureLogger } from '../support/capture-logger.ts';
import { startRedis, type TestRedis } from '../support/redis-server.ts';
import { until } from '../support/until.ts';
import { FAR_KERB, parkedStreet } from './street-snapshots.ts';

let redis: TestRedis;
let snapshots: LoopbackSnapshotServer;
let detector: Detector;
let queue: CameraQueue;
const workers: CameraWorker[] = [];
const CAMERAS = ['patrol-a', 'patrol-b', 'patrol-c'];

beforeAll(async () => {
  redis = await startRedis();
  snapshots = await startLoopbackSnapshotServer();
  detector = await createCameraDetector({ threads: 1 });
  queue = openCameraQueue(redis.url);
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.close()));
  await queue?.close();
  await snapshots?.stop();
  await detector?.close();
  await redis?.stop();
});

const startWorker = async () => {
  const w = await startCameraWorker({
    redisUrl: redis.url,
    sink: async () => undefined,
    detector: queueDetector(detector),
    maxCameras: 3,
    lockSeconds: 4,
    status: { intervalMs: 500 },
    logger: captureLogger().logger,
  });
  workers.push(w);
  return w;
};
const patrolHealth = (w: CameraWorker) => w.health() as PatrolHealth[];
const passesOf = (w: CameraWorker, id: string) => patrolHealth(w).find((h) => h.cameraId === id)?.patrol.passes ?? 0;

it('shares patrol cameras over workers, one worker per camera, and lets a removed one go', async () => {
  const jpeg = await parkedStreet();
  const [a, b] = [await startWorker(), await startWorker()];
  for (const id of CAMERAS) {
    snapshots.serve(`/${id}.jpg`, [{ jpeg }]);
    await queue.addCamera(
      parseCameraConfig({ id, url: 'rtsp://192.0.2.1/unused', analysis: { mode: 'patrol', everySeconds: 1, snapshotUrl: snapshots.url(`/${id}.jpg`), width: 768 }, zones: [FAR_KERB] }, 'test'),
    );
  }
  const holders = (id: string) => [a, b].filter((w) => w.health().some((h) => h.cameraId === id));
  await until(() => CAMERAS.every((id) => holders(id).length === 1 && passesOf(holders(id)[0]!, id) >= 3), 60_000, 'every camera patrolled');

  // One worker per camera: every grab the camera answered was a pass of its one holder.
  for (const id of CAMERAS) {
    const [holder] = holders(id);
    const passes = passesOf(holder!, id);
    expect(Math.abs(snapshots.requests(`/${id}.jpg`) - passes)).toBeLessThanOrEqual(1);
    const h = patrolHealth(holder!).find((x) => x.cameraId === id)!;
    expect(h.patrol).toMatchObject({ method: 'snapshot', everySeconds: 1, misses: 0 });
    expect(h.patrol.lastIntervalSeconds).toBeGreaterThan(0.5);
    expect(h.patrol.lastIntervalSeconds).toBeLessThan(3);
  }

  // The heartbeat carries the patrol stats (both workers of this one process write one key); the metrics count the passes.
  const conn = redisConnection(redis.url);
  const statuses = await Promise.race([readWorkerStatuses(conn), new Promise<never>((_, reject) => setTimeout(() => reject(new Error('status read timed out')), 5000))]);
  conn.disconnect();
  expect(statuses.flatMap((st) => st.cameras ?? []).some((c) => (c as PatrolHealth).patrol?.method === 'snapshot' && (c as PatrolHealth).patrol.passes > 0)).toBe(true);
  const metricsText = (await a.metrics.registry.metrics()) + (await b.metrics.registry.metrics());
  for (const id of CAMERAS) expect(metricsText).toMatch(new RegExp(`patrol_passes_total\\{camera="${id}",method="snapshot"\\} [1-9]`));

  // A camera removed is let go by its worker within the stop check.
  for (const id of CAMERAS) await queue.removeCamera(id);
  await until(() => CAMERAS.every((id) => holders(id).length === 0), 20_000, 'cameras let go');
}, 150_000);
