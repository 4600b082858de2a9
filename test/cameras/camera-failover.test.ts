// Two real worker processes share the cameras through a real Redis. The one watching them is
// killed outright (SIGKILL, with its ffmpeg children, as a machine failure would); the other one
// takes every camera over. At no time does a camera have two watchers.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openCameraQueue, type CameraQueue } from '../../pipeline/cameras/camera-queue.ts';
import { startRedis, type TestRedis } from '../support/redis-server.ts';
import { startRtspServer, stillVideo, type TestRtspServer } from '../support/rtsp-server.ts';
import { samplePath } from '../support/samples.ts';
import { until } from '../support/until.ts';
import { killWorkerGroup, startCameraWorker, type WorkerProcess } from '../support/worker-process.ts';

let dir: string;
let redis: TestRedis;
let rtsp: TestRtspServer;
let queue: CameraQueue;
const workers: WorkerProcess[] = [];

function startWorker(): WorkerProcess {
  const w = startCameraWorker(redis.url);
  workers.push(w);
  return w;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'failover-'));
  redis = await startRedis();
  rtsp = await startRtspServer();
  const video = await stillVideo(samplePath('darknet/dog.jpg'), path.join(dir, 'dog.mp4'));
  await rtsp.publish('cam-a', video);
  await rtsp.publish('cam-b', video);
  queue = openCameraQueue(redis.url);
});

afterAll(async () => {
  await Promise.all(workers.map(killWorkerGroup));
  await queue?.close();
  await rtsp?.stop();
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

it('hands the cameras of a killed worker to the other one, never watching a camera twice', async () => {
  const first = startWorker();
  await until(() => first.events.some((e) => e.event === 'ready'), 60_000, 'first worker ready');
  for (const id of ['cam-a', 'cam-b']) {
    await queue.addCamera({
      id,
      name: id,
      url: rtsp.url(id),
      analysis: { fps: 1, width: 640, rtspTransport: 'udp' },
      // A warning one second after the parked truck is seen proves frames are being analysed.
      rules: { illegal_parking: { dwellSeconds: 3600, warnAfterSeconds: 1 } },
      zones: [{ id: 'kerb', kind: 'no_parking', polygon: [[0.65, 0.15], [0.95, 0.15], [0.95, 0.4], [0.65, 0.4]] }],
    });
  }
  // Adding a camera twice changes nothing.
  await queue.addCamera({ id: 'cam-a', name: 'cam-a', url: rtsp.url('cam-a'), analysis: { rtspTransport: 'udp' }, zones: [{ id: 'z', kind: 'other', polygon: [[0, 0], [1, 0], [1, 1]] }] });
  await until(() => first.watching.size === 2, 30_000, 'first worker watching both cameras');
  await until(() => first.events.filter((e) => e.event === 'warning').length >= 2, 30_000, 'warnings from the first worker');

  const second = startWorker();
  await until(() => second.events.some((e) => e.event === 'ready'), 60_000, 'second worker ready');
  // Both workers are up; the cameras stay where they are.
  await new Promise((r) => setTimeout(r, 3000));
  expect(second.watching.size).toBe(0);
  expect((await queue.cameras()).map((c) => c.id).sort()).toEqual(['cam-a', 'cam-b']);

  await killWorkerGroup(first);
  await until(() => second.watching.size === 2, 45_000, 'second worker taking both cameras over');
  expect([...second.watching].sort()).toEqual(['cam-a', 'cam-b']);
  const cams = await queue.cameras();
  expect(cams.filter((c) => c.watched).map((c) => c.id).sort()).toEqual(['cam-a', 'cam-b']);
  expect(second.events.filter((e) => e.event === 'watching').map((e) => e.camera).sort()).toEqual(['cam-a', 'cam-b']);
  // Watching for real: the survivor analyses both streams and sees the parked truck.
  const warned = (w: WorkerProcess) => new Set(w.events.filter((e) => e.event === 'warning').map((e) => e.sourceId));
  await until(() => warned(second).size === 2, 30_000, 'warnings from the second worker');
  expect(warned(first).size).toBe(2);
}, 180_000);
