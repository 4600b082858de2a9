// CameraWorker.close() with patrol cameras hands every camera back and returns. It used to hang:
// a patrol stops within milliseconds and its job goes back to the queue while BullMQ's fetch is
// still in flight, so the closing worker (or its neighbour) took the job again and patrolled it with
// nobody left to stop it; worker.close() then waited on that job for ever. A camera whose
// snapshot never answers is among them, so a grab is always in flight when close() comes.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseCameraConfig } from '../../contracts/camera.ts';
import { createCameraDetector } from '../../pipeline/cameras/camera-detector.ts';
import { openCameraQueue, type CameraQueue } from '../../pipeline/cameras/camera-queue.ts';
import { startCameraWorker } from '../../pipeline/cameras/camera-worker.ts';
import { queueDetector } from '../../pipeline/cameras/detector-queue.ts';
import type { Detector } from '../../pipeline/detect/detector.ts';
import { startLoopbackSnapshotServer, type LoopbackSnapshotServer } from '../../pipeline/patrol/loopback-snapshot-server.ts';
import { captureLogger } from '../support/capture-logger.ts';
import { startRedis, type TestRedis } from '../support/redis-server.ts';
import { until } from '../support/until.ts';
import { FAR_KERB, parkedStreet } from './street-snapshots.ts';

let redis: TestRedis;
let snapshots: LoopbackSnapshotServer;
let detector: Detector;
let queue: CameraQueue;
const CAMERAS = ['close-a', 'close-b', 'close-hung'];

beforeAll(async () => {
  redis = await startRedis();
  snapshots = await startLoopbackSnapshotServer();
  detector = await createCameraDetector({ threads: 1 });
  queue = openCameraQueue(redis.url);
});

afterAll(async () => {
  await queue?.close();
  await snapshots?.stop();
  await detector?.close();
  await redis?.stop();
});

it('closes two workers patrolling cameras, one of them hung, and hands every camera back', async () => {
  const start = () =>
    startCameraWorker({ redisUrl: redis.url, sink: async () => undefined, detector: queueDetector(detector), maxCameras: 3, lockSeconds: 4, status: { intervalMs: 500 }, logger: captureLogger().logger });
  const workers = [await start(), await start()];
  const jpeg = await parkedStreet();
  for (const id of CAMERAS) {
    snapshots.serve(`/${id}.jpg`, id === 'close-hung' ? [{ hang: true }] : [{ jpeg }]);
    await queue.addCamera(parseCameraConfig({ id, url: 'rtsp://192.0.2.1/unused', analysis: { mode: 'patrol', everySeconds: 1, snapshotUrl: snapshots.url(`/${id}.jpg`), width: 768 }, zones: [FAR_KERB] }, 'test'));
  }
  const held = () => workers.flatMap((w) => w.health().map((h) => h.cameraId));
  await until(() => held().length === 3 && ['close-a', 'close-b'].every((id) => snapshots.requests(`/${id}.jpg`) >= 3), 60_000, 'every camera patrolled');

  // A hang shows as the race's other side; 20 s is far beyond a close that works (tens of ms).
  const outcome = await Promise.race([
    Promise.all(workers.map((w) => w.close())).then(() => 'closed'),
    new Promise((resolve) => setTimeout(() => resolve('still closing after 20 s'), 20_000).unref()),
  ]);
  expect(outcome).toBe('closed');
  expect(held()).toEqual([]);
  const cams = await queue.cameras();
  expect(cams.map((c) => c.id).sort()).toEqual([...CAMERAS].sort());
  expect(cams.filter((c) => c.watched)).toEqual([]);
}, 120_000);
