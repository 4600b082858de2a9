// Patrol mode over a loopback RTSP camera: each pass opens the session only long enough to decode
// the next key frame. The parked pick-up (a looped still of dog.jpg) is raised once across passes;
// a camera whose server is gone costs misses with ffmpeg's reason, credentials masked.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseCameraConfig } from '../../contracts/camera.ts';
import type { Violation } from '../../contracts/types.ts';
import { createCameraDetector } from '../../pipeline/cameras/camera-detector.ts';
import { queueDetector } from '../../pipeline/cameras/detector-queue.ts';
import type { Detector } from '../../pipeline/detect/detector.ts';
import { patrolCamera, type CameraPatrol } from '../../pipeline/patrol/patrol-camera.ts';
import { captureLogger } from '../support/capture-logger.ts';
import { freePort } from '../support/ports.ts';
import { startRtspServer, stillVideo, type TestRtspServer } from '../support/rtsp-server.ts';
import { samplePath } from '../support/samples.ts';
import { until } from '../support/until.ts';
import { FAR_KERB, sceneClock } from './street-snapshots.ts';

let dir: string;
let server: TestRtspServer;
let detector: Detector;
const patrols: CameraPatrol[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'patrol-rtsp-'));
  server = await startRtspServer();
  await server.publish('kerb', await stillVideo(samplePath('darknet/dog.jpg'), path.join(dir, 'dog.mp4')));
  detector = await createCameraDetector({ threads: 1 });
});

afterAll(async () => {
  await Promise.all(patrols.map((p) => p.stop()));
  await server?.stop();
  await detector?.close();
  await rm(dir, { recursive: true, force: true });
});

const config = (id: string, url: string) =>
  parseCameraConfig(
    {
      id,
      url,
      // A key frame comes every 2 s (stillVideo's GOP): passes 3 s apart leave room to wait for one.
      analysis: { mode: 'patrol', everySeconds: 3, grab: 'keyframe', width: 768, rtspTransport: 'udp' },
      rules: { illegal_parking: { dwellSeconds: 10, warnAfterSeconds: 5 } },
      zones: [FAR_KERB],
    },
    'test',
  );

it('raises the parked pick-up once from key frames grabbed pass by pass', async () => {
  const violations: Violation[] = [];
  const { logger, lines } = captureLogger();
  // Scene time twice the wall clock: passes 6 s apart.
  const patrol = patrolCamera({ config: config('rtsp-parked', server.url('kerb', 'admin:s3cret')), detector: queueDetector(detector), clock: sceneClock(2), phaseMs: 0, logger, sink: async (v) => void violations.push(v) });
  patrols.push(patrol);
  await until(() => violations.length > 0, 90_000, 'the violation');
  const passes = patrol.health().patrol.passes;
  await until(() => patrol.health().patrol.passes >= passes + 2, 30_000, 'two more passes');
  await patrol.stop();

  expect(violations).toHaveLength(1);
  const v = violations[0]!;
  expect(v.type).toBe('illegal_parking');
  expect(['truck', 'car']).toContain(v.label);
  expect((v.box[0] + v.box[2]) / 2).toBeGreaterThan(459);
  expect((v.box[0] + v.box[2]) / 2).toBeLessThan(691);
  expect((v.observedAt.getTime() - v.startedAt!.getTime()) / 1000).toBeGreaterThanOrEqual(10);
  expect(v.evidenceFrames[1]!.width).toBe(768);
  expect(v.evidenceFrames[1]!.pixels.length).toBe(768 * 576 * 3);
  const h = patrol.health();
  expect(h.patrol.method).toBe('keyframe');
  expect(h.patrol.misses).toBe(0);
  expect(h.url).toContain('***@127.0.0.1');
  expect(JSON.stringify(h) + lines.join('')).not.toContain('s3cret');
}, 150_000);

it('counts passes on a dead RTSP server as misses with the reason, and goes on', async () => {
  const port = await freePort();
  const misses: string[] = [];
  const { logger, lines } = captureLogger();
  const patrol = patrolCamera({
    config: config('rtsp-dead', `rtsp://admin:s3cret@127.0.0.1:${port}/nothing`),
    detector: queueDetector(detector),
    phaseMs: 0,
    logger,
    sink: async () => undefined,
    onPass: ({ miss }) => void (miss && misses.push(miss)),
  });
  patrols.push(patrol);
  await until(() => misses.length >= 2, 30_000, 'two misses');
  await patrol.stop();
  expect(misses[0]).toMatch(/without a key frame|no key frame within/);
  expect(patrol.health().patrol.misses).toBeGreaterThanOrEqual(2);
  expect(patrol.health().state).toBe('stopped');
  expect(misses.join('') + lines.join('') + JSON.stringify(patrol.health())).not.toContain('s3cret');
}, 60_000);
