// The whole camera path on a real RTSP stream: a looped still of darknet's dog.jpg, whose pick-up
// truck stands at the far kerb, inside a no_parking zone drawn around it. It must give exactly one
// illegal_parking violation once the (test-short) dwell has passed, survive the RTSP server being
// killed and started again (stalled, then streaming), and not report the same truck twice.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseCameraConfig } from '../../contracts/camera.ts';
import type { Violation } from '../../contracts/types.ts';
import { createCameraDetector } from '../../pipeline/cameras/camera-detector.ts';
import { createCameraMetrics } from '../../pipeline/cameras/camera-metrics.ts';
import { watchCamera, type CameraWatch } from '../../pipeline/cameras/camera-watch.ts';
import { queueDetector } from '../../pipeline/cameras/detector-queue.ts';
import type { ViolationWarning } from '../../pipeline/cameras/violation-sink.ts';
import type { Detector } from '../../pipeline/detect/detector.ts';
import { distanceM, obliqueOffset, offsetLatLon } from '../../pipeline/survey/georeference.ts';
import { captureLogger } from '../support/capture-logger.ts';
import { startRtspServer, stillVideo, type TestRtspServer } from '../support/rtsp-server.ts';
import { samplePath } from '../support/samples.ts';
import { BAY_CORNERS, marks, STREET_CAMERA, type StreetCamera } from '../support/street-camera.ts';
import { until } from '../support/until.ts';

let dir: string;
let server: TestRtspServer;
let detector: Detector;
let watch: CameraWatch | undefined;
/** As if dog.jpg were taken 6 m up a pole looking 25° down the street: the marks its ground calibration would have. */
const pole: StreetCamera = { ...STREET_CAMERA, pitchDeg: -25, focalLengthPx: 600, imageWidth: 768, imageHeight: 576 };

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'parked-'));
  server = await startRtspServer();
  await server.publish('kerb', await stillVideo(samplePath('darknet/dog.jpg'), path.join(dir, 'dog.mp4')));
  detector = await createCameraDetector({ threads: 1 });
});

afterAll(async () => {
  await watch?.stop();
  await server?.stop();
  await detector?.close();
  await rm(dir, { recursive: true, force: true });
});

it('raises one illegal_parking for the parked truck, and no second one after the server restarts', async () => {
  // Scene time runs 4x faster than the wall clock, so a 10 s dwell (the shortest an operator may
  // set) passes in 2.5 s of test time.
  const sceneStart = Date.parse('2026-05-04T10:00:00+08:00');
  const wallStart = Date.now();
  const clock = () => new Date(sceneStart + (Date.now() - wallStart) * 4);
  const config = parseCameraConfig(
    {
      id: 'kerb-cam',
      url: server.url('kerb', 'admin:s3cret'),
      analysis: { fps: 4, width: 768, rtspTransport: 'udp', stallSeconds: 3, fullPassSeconds: 3 },
      rules: { illegal_parking: { dwellSeconds: 10, warnAfterSeconds: 5 } },
      location: { lat: pole.lat, lon: pole.lon },
      ground: { points: marks(pole, BAY_CORNERS) },
      // The truck stands at x 459-691, y 75-170 of 768x576: its bottom centre is (0.75, 0.29).
      zones: [{ id: 'far-kerb', kind: 'no_parking', polygon: [[0.65, 0.15], [0.95, 0.15], [0.95, 0.4], [0.65, 0.4]] }],
    },
    'test',
  );
  const violations: Violation[] = [];
  const warnings: ViolationWarning[] = [];
  const { logger, lines } = captureLogger();
  const metrics = createCameraMetrics();
  watch = watchCamera({
    config,
    detector: queueDetector(detector),
    clock,
    logger,
    metrics,
    stream: { backoff: { initialMs: 300, maxMs: 1500 } },
    sink: async (v) => void violations.push(v),
    onWarning: (w) => void warnings.push(w),
  });
  const w = watch;
  const states: string[] = [];
  const poll = setInterval(() => {
    const s = w.health().state;
    if (states.at(-1) !== s) states.push(s);
  }, 100);

  try {
    await until(() => violations.length > 0, 40_000, 'the first violation');
    const v = violations[0]!;
    expect(v.type).toBe('illegal_parking');
    expect(v.zoneId).toBe('far-kerb');
    expect(['truck', 'car']).toContain(v.label);
    const [x1, y1, x2, y2] = v.box;
    expect((x1 + x2) / 2).toBeGreaterThan(459);
    expect((x1 + x2) / 2).toBeLessThan(691);
    expect(y2).toBeGreaterThan(120);
    expect(y2).toBeLessThan(200);
    expect((v.observedAt.getTime() - v.startedAt!.getTime()) / 1000).toBeGreaterThanOrEqual(10);
    expect(v.evidenceFrames).toHaveLength(2);
    // Placed where its box's bottom centre meets the road, as the pole camera would see it there (about 24 m away).
    const [east, north] = obliqueOffset(pole, (x1 + x2) / 2, y2)!;
    expect(v.placedOnGround).toBe(true);
    expect(distanceM(v.location!, offsetLatLon(pole.lat, pole.lon, east, north))).toBeLessThan(0.05);
    expect(v.location!.accuracyM).toBeLessThan(10);
    // The first frame shows the truck where it stood when its clock started; the second confirms it.
    expect(v.evidenceFrames[0]!.capturedAt).toEqual(v.startedAt);
    expect(v.evidenceFrames[0]!.capturedAt.getTime()).toBeLessThan(v.evidenceFrames[1]!.capturedAt.getTime());
    expect(v.evidenceFrames[1]!.capturedAt).toEqual(v.observedAt);
    expect(v.evidenceFrames[1]!.pixels.length).toBe(768 * 576 * 3);
    expect(warnings.filter((x) => x.trackId === v.trackId)).toHaveLength(1);
    expect(warnings[0]!.observedAt.getTime()).toBeLessThanOrEqual(v.observedAt.getTime());

    // The camera's server dies mid-stream and comes back.
    const restartsBefore = w.health().restarts;
    await server.kill();
    await until(() => w.health().state === 'stalled', 20_000, 'stalled');
    await server.restart();
    await until(() => w.health().state === 'streaming' && w.health().restarts > restartsBefore, 60_000, 'streaming again');
    // Long enough after the restart for a second violation, were the truck taken for a new one:
    // three times the dwell of scene time, with detector passes throughout.
    const detectedAfter = w.health().framesDetected;
    const back = clock().getTime();
    await until(() => clock().getTime() - back >= 30_000 && w.health().framesDetected >= detectedAfter + 6, 60_000, 'more detector passes');

    expect(states, states.join(' → ')).toContain('stalled');
    expect(states.lastIndexOf('streaming')).toBeGreaterThan(states.indexOf('stalled'));
    expect(violations).toHaveLength(1);
    const health = w.health();
    expect(health.framesDetected).toBeGreaterThan(0);
    expect(health.framesSkipped).toBeGreaterThan(0);
    expect(health.lastFrameAt).not.toBeNull();

    // The password never shows: not in health, errors or logs.
    const shown = JSON.stringify(health) + lines.join('') + (await metrics.registry.metrics());
    expect(shown).not.toContain('s3cret');
    expect(health.url).toContain('***@127.0.0.1');
    expect(await metrics.registry.metrics()).toMatch(/camera_frames_skipped_total\{camera="kerb-cam"\} [1-9]/);
  } finally {
    clearInterval(poll);
  }
}, 180_000);
