// OpenCV's vtest.avi (a pedestrian plaza, people walking) served by a real RTSP server: with the
// whole walkway a sidewalk zone and the shortest vending dwell an operator may set, walkers must
// never make a street_vending violation. The video is sped up 4x and the scene clock with it, so
// its 79 s of scene take 20 s.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseCameraConfig } from '../../contracts/camera.ts';
import type { Violation } from '../../contracts/types.ts';
import { createCameraDetector } from '../../pipeline/cameras/camera-detector.ts';
import { watchCamera, type AnalysedFrame, type CameraWatch } from '../../pipeline/cameras/camera-watch.ts';
import { queueDetector } from '../../pipeline/cameras/detector-queue.ts';
import type { Detector } from '../../pipeline/detect/detector.ts';
import { captureLogger } from '../support/capture-logger.ts';
import { h264Video, startRtspServer, type TestRtspServer } from '../support/rtsp-server.ts';
import { samplePath } from '../support/samples.ts';
import { until } from '../support/until.ts';

const SPEED = 4;
let dir: string;
let server: TestRtspServer;
let detector: Detector;
let watch: CameraWatch | undefined;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'plaza-'));
  server = await startRtspServer();
  const video = await h264Video(samplePath('opencv/vtest.avi'), path.join(dir, 'plaza.mp4'), ['-vf', `setpts=PTS/${SPEED}`, '-r', String(10 * SPEED)]);
  await server.publish('plaza', video);
  detector = await createCameraDetector({ threads: 1 });
});

afterAll(async () => {
  await watch?.stop();
  await server?.stop();
  await detector?.close();
  await rm(dir, { recursive: true, force: true });
});

it('sees the walkers and raises no street_vending for them', async () => {
  const wallStart = Date.now();
  const clock = () => new Date(Date.parse('2026-05-04T10:00:00+08:00') + (Date.now() - wallStart) * SPEED);
  const config = parseCameraConfig(
    {
      id: 'plaza',
      url: server.url('plaza'),
      // 4 stream frames per second = 1 per scene second.
      analysis: { fps: SPEED, width: 768, rtspTransport: 'udp', stallSeconds: 5 },
      zones: [{ id: 'walkway', kind: 'sidewalk', polygon: [[0, 0.15], [1, 0.15], [1, 1], [0, 1]], rules: { street_vending: { dwellSeconds: 10 } } }],
    },
    'test',
  );
  const violations: Violation[] = [];
  const frames: AnalysedFrame[] = [];
  watch = watchCamera({
    config,
    detector: queueDetector(detector),
    clock,
    logger: captureLogger().logger,
    sink: async (v) => void violations.push(v),
    onFrame: (a) => frames.push(a),
  });
  const w = watch;
  // One pass through the video (it loops on the server).
  await until(() => w.health().frames >= 70 && frames.length >= 70, 60_000, '70 analysed frames');
  await w.stop();

  expect(violations.filter((v) => v.type === 'street_vending')).toEqual([]);
  // The scene was really looked at: several people per frame, many tracks over the clip.
  const persons = frames.map((f) => (f.detections ?? []).filter((d) => d.label === 'person' && d.score >= 0.5).length);
  expect(Math.max(...persons)).toBeGreaterThanOrEqual(3);
  const personTracks = new Set(frames.flatMap((f) => (f.tracks ?? []).filter((t) => t.label === 'person').map((t) => t.id)));
  expect(personTracks.size).toBeGreaterThan(10);
});
