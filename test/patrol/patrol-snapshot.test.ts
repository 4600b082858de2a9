// Patrol mode over a loopback HTTP snapshot camera, with the real detector, tracker and rules:
// the pick-up parked across passes becomes one illegal_parking violation; a car that is there on
// every other pass (an empty road between) never does; a camera that answers 500, something that
// is not a JPEG, or nothing, costs a miss with its reason and the patrol goes on.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseCameraConfig } from '../../contracts/camera.ts';
import type { Violation } from '../../contracts/types.ts';
import { createCameraDetector } from '../../pipeline/cameras/camera-detector.ts';
import { createCameraMetrics } from '../../pipeline/cameras/camera-metrics.ts';
import { queueDetector } from '../../pipeline/cameras/detector-queue.ts';
import type { Detector } from '../../pipeline/detect/detector.ts';
import { startLoopbackSnapshotServer, type LoopbackSnapshotServer } from '../../pipeline/patrol/loopback-snapshot-server.ts';
import { patrolCamera, type CameraPatrol } from '../../pipeline/patrol/patrol-camera.ts';
import { createPatrolMetrics } from '../../pipeline/status/patrol-metrics.ts';
import { captureLogger } from '../support/capture-logger.ts';
import { until } from '../support/until.ts';
import { emptyStreet, FAR_KERB, parkedStreet, sceneClock } from './street-snapshots.ts';

let server: LoopbackSnapshotServer;
let detector: Detector;
const patrols: CameraPatrol[] = [];

beforeAll(async () => {
  server = await startLoopbackSnapshotServer({ credentials: 'admin:s3cret' });
  detector = await createCameraDetector({ threads: 1 });
});

afterAll(async () => {
  await Promise.all(patrols.map((p) => p.stop()));
  await server?.stop();
  await detector?.close();
});

/** Every second of wall time is 5 s of scene time: passes 5 s apart, a 10 s dwell within a few passes. */
const patrolConfig = (id: string, path: string) =>
  parseCameraConfig(
    {
      id,
      url: 'rtsp://192.0.2.1/unused',
      analysis: { mode: 'patrol', everySeconds: 1, grab: 'snapshot', snapshotUrl: server.url(path, 'admin:s3cret'), width: 768 },
      rules: { illegal_parking: { dwellSeconds: 10, warnAfterSeconds: 5 } },
      zones: [FAR_KERB],
    },
    'test',
  );

it('raises the parked pick-up once across snapshot passes', async () => {
  server.serve('/parked.jpg', [{ jpeg: await parkedStreet() }]);
  const violations: Violation[] = [];
  const { logger, lines } = captureLogger();
  const metrics = createCameraMetrics();
  const patrolMetrics = createPatrolMetrics(metrics.registry);
  const patrol = patrolCamera({ config: patrolConfig('snap-parked', '/parked.jpg'), detector: queueDetector(detector), clock: sceneClock(5), phaseMs: 0, logger, metrics, patrolMetrics, sink: async (v) => void violations.push(v) });
  patrols.push(patrol);
  await until(() => violations.length > 0, 60_000, 'the violation');
  const passesAtViolation = patrol.health().patrol.passes;
  await until(() => patrol.health().patrol.passes >= passesAtViolation + 3, 30_000, 'three more passes');
  await patrol.stop();

  expect(violations).toHaveLength(1);
  const v = violations[0]!;
  expect(v.type).toBe('illegal_parking');
  expect(v.zoneId).toBe('far-kerb');
  expect(['truck', 'car']).toContain(v.label);
  expect((v.box[0] + v.box[2]) / 2).toBeGreaterThan(459);
  expect((v.box[0] + v.box[2]) / 2).toBeLessThan(691);
  // The dwell ran over real patrol frames, first and confirming one passes apart.
  expect((v.observedAt.getTime() - v.startedAt!.getTime()) / 1000).toBeGreaterThanOrEqual(10);
  expect(v.evidenceFrames).toHaveLength(2);
  expect(v.evidenceFrames[0]!.capturedAt.getTime()).toBeLessThan(v.evidenceFrames[1]!.capturedAt.getTime());
  expect(v.evidenceFrames[1]!.width).toBe(768);

  const h = patrol.health();
  expect(h.patrol.method).toBe('snapshot');
  expect(h.patrol.misses).toBe(0);
  expect(h.patrol.passes).toBeGreaterThanOrEqual(passesAtViolation + 3);
  expect(h.patrol.lastPassAt).not.toBeNull();
  expect(h.patrol.lastIntervalSeconds).toBeGreaterThan(0.5);
  expect(h.violations).toBe(1);
  const text = await metrics.registry.metrics();
  expect(text).toMatch(/patrol_passes_total\{camera="snap-parked",method="snapshot"\} [1-9]/);
  expect(text).toMatch(/patrol_interval_seconds\{camera="snap-parked"\} [0-9.]+/);
  expect(JSON.stringify(h) + lines.join('') + text).not.toContain('s3cret');
}, 120_000);

it('never raises a car that is there only every other pass', async () => {
  server.serve('/passing.jpg', [{ jpeg: await parkedStreet() }, { jpeg: await emptyStreet() }]);
  const violations: Violation[] = [];
  const carPasses: number[] = [];
  const patrol = patrolCamera({
    config: patrolConfig('snap-passing', '/passing.jpg'),
    detector: queueDetector(detector),
    clock: sceneClock(5),
    phaseMs: 0,
    logger: captureLogger().logger,
    sink: async (v) => void violations.push(v),
    onPass: ({ result }) => {
      const inKerb = result?.detections.filter((d) => ['car', 'truck'].includes(d.label) && d.box[2] > 459 && d.box[0] < 691 && d.box[3] < 200) ?? [];
      carPasses.push(inKerb.length);
    },
  });
  patrols.push(patrol);
  // Ten passes: 50 s of scene time, five times the dwell.
  await until(() => carPasses.length >= 10, 60_000, 'ten passes');
  await patrol.stop();
  expect(violations).toEqual([]);
  // The pick-up was found on its passes and gone on the others: the patrol looked at both.
  expect(carPasses.filter((_, i) => i % 2 === 0).every((n) => n > 0)).toBe(true);
  expect(carPasses.filter((_, i) => i % 2 === 1).every((n) => n === 0)).toBe(true);
}, 120_000);

it('counts a 500, a page that is not a JPEG and a silent camera as misses, and goes on', async () => {
  server.serve('/flaky.jpg', [{ status: 500 }, { body: '<html>login</html>', contentType: 'text/html' }, { hang: true }, { jpeg: await parkedStreet() }]);
  const misses: string[] = [];
  let analysed = 0;
  const { logger, lines } = captureLogger();
  const patrol = patrolCamera({
    config: patrolConfig('snap-flaky', '/flaky.jpg'),
    detector: queueDetector(detector),
    phaseMs: 0,
    logger,
    sink: async () => undefined,
    onPass: ({ miss }) => (miss ? misses.push(miss) : analysed++),
  });
  patrols.push(patrol);
  await until(() => analysed >= 2, 60_000, 'two analysed passes after the failures');
  await patrol.stop();
  expect(misses.slice(0, 3)).toEqual(['snapshot answered HTTP 500 Internal Server Error', 'snapshot is not a JPEG (content-type text/html, 18 bytes)', 'snapshot timed out after 1 s']);
  const h = patrol.health();
  expect(h.patrol.misses).toBeGreaterThanOrEqual(3);
  expect(h.patrol.lastMiss?.reason).toMatch(/snapshot/);
  expect(h.patrol.passes).toBeGreaterThanOrEqual(2);
  expect(lines.join('')).toContain('patrol pass missed');
  expect(JSON.stringify(h) + lines.join('')).not.toContain('s3cret');
}, 120_000);
