// Zone-state classifiers end to end: a clean/garbage classifier trained by the product's own
// trainer (`npm run train -- classifier`, real backbone) on snapshots made from real photos
// (test/support/zone-state-classifier.ts), then a watch zone of dog.jpg classified on its schedule.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCameraConfig, type CameraConfig } from '../../contracts/camera.ts';
import type { Frame } from '../../contracts/types.ts';
import { loadManifest } from '../../models/manifest.ts';
import { createZoneStateWatch, GARBAGE_STATE, type ZoneStateFinding } from '../../pipeline/background/zone-state.ts';
import { createCameraDetector } from '../../pipeline/cameras/camera-detector.ts';
import { queueDetector } from '../../pipeline/cameras/detector-queue.ts';
import { createFrameAnalysis } from '../../pipeline/cameras/frame-analysis.ts';
import { createClassifier, type Classifier } from '../../pipeline/classify/classifier.ts';
import type { Violation } from '../../contracts/types.ts';
import { captureLogger } from '../support/capture-logger.ts';
import { pictureFrame, trainZoneStateClassifier, zonePictures, ZONE_PIXELS as ZONE, ZONE_POLYGON } from '../support/zone-state-classifier.ts';

const T0 = Date.UTC(2026, 4, 4, 2);

let dir: string;
let classifier: Classifier;
let clean: Buffer;
let littered: Buffer;

async function frame(picture: Buffer, t: number): Promise<Frame> {
  return pictureFrame(picture, new Date(T0 + t * 1000));
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'zone-state-'));
  await trainZoneStateClassifier(dir, 'zone-state-test');
  const entry = (await loadManifest(path.join(dir, 'model', 'manifest.json'))).classifiers.find((c) => c.id === 'zone-state-test')!;
  expect(entry.labels.sort()).toEqual(['clean', GARBAGE_STATE]);
  classifier = await createClassifier(entry, { threads: 1 });
  ({ clean, littered } = await zonePictures());
}, 300_000);

afterAll(async () => {
  await classifier?.close();
  await rm(dir, { recursive: true, force: true });
});

const camera = (zone: Record<string, unknown> = {}): CameraConfig =>
  parseCameraConfig(
    {
      id: 'zone-cam',
      url: 'rtsp://127.0.0.1/x',
      zones: [{ id: 'bins', kind: 'watch', polygon: ZONE_POLYGON, classifier: 'zone-state-test', classifyEverySeconds: 10, persistSeconds: 30, ...zone }],
    },
    'test',
  );

async function replay(config: CameraConfig, steps: Array<[number, Buffer]>, source = async (id: string) => (id === 'zone-state-test' ? classifier : undefined)) {
  const { logger, lines } = captureLogger();
  const watch = createZoneStateWatch(config, source, logger);
  const found: Array<ZoneStateFinding & { t: number }> = [];
  const verdicts: Array<[number, string | undefined]> = [];
  for (const [t, picture] of steps) {
    for (const f of await watch.update(await frame(picture, t))) found.push({ ...f, t });
    verdicts.push([t, watch.verdict('bins')?.label]);
  }
  return { found, verdicts, lines };
}

describe('zone-state watch', () => {
  it('judges the zone on its schedule, raises exposed_garbage once per garbage episode after persistSeconds', async () => {
    // Frames every 5 s; the bag lies there from 20 s to 85 s and again from 120 s.
    const steps: Array<[number, Buffer]> = Array.from({ length: 37 }, (_, i) => i * 5).map((t) => [t, (t >= 20 && t < 90) || t >= 120 ? littered : clean]);
    const { found, verdicts } = await replay(camera(), steps);
    // Classified every 10 s of scene time: the verdict changes only on those frames.
    expect(verdicts.find(([t]) => t === 0)![1]).toBe('clean');
    expect(verdicts.find(([t]) => t === 20)![1]).toBe(GARBAGE_STATE);
    expect(verdicts.find(([t]) => t === 15)![1]).toBe('clean');
    expect(found.map((f) => f.t)).toEqual([50, 150]);
    const first = found[0]!;
    expect(first.event).toMatchObject({ type: 'exposed_garbage', zoneId: 'bins', modelId: 'zone-state-test', attributes: { zoneState: GARBAGE_STATE, zoneStateModelId: 'zone-state-test', foundBy: 'zone-state' } });
    expect(first.event.startedAt.getTime() - T0).toBe(20_000);
    // The evidence before: the last frame judged clean.
    expect(first.before.capturedAt.getTime() - T0).toBe(10_000);
    expect(first.event.box).toEqual([ZONE.left, ZONE.top, ZONE.left + ZONE.width, 576]);
  }, 120_000);

  it('watches nothing without a usable classifier, and says why once', async () => {
    const steps: Array<[number, Buffer]> = Array.from({ length: 12 }, (_, i) => [i * 5, littered]);
    const missing = await replay(camera({ classifier: 'no-such-model' }), steps);
    expect(missing.found).toEqual([]);
    expect(missing.lines.filter((l) => l.includes('zone-state classifier not in the manifest'))).toHaveLength(1);
    const broken = await replay(camera(), steps, async () => {
      throw new Error('zone-state-test.onnx: sha256 does not match');
    });
    expect(broken.found).toEqual([]);
    expect(broken.lines.filter((l) => l.includes('sha256 does not match'))).toHaveLength(1);
  }, 60_000);

  it('is off for a camera whose rules.exposed_garbage.enabled is false', async () => {
    const config = { ...camera(), rules: { exposed_garbage: { enabled: false } } };
    const steps: Array<[number, Buffer]> = Array.from({ length: 12 }, (_, i) => [i * 5, littered]);
    expect((await replay(config, steps)).found).toEqual([]);
  }, 60_000);
});

describe('a watch zone in the camera path (real detector, tracker, background, classifier)', () => {
  it('gives one case for the bag: the left-behind thing, carrying the zone verdict, and no second case from the zone state', async () => {
    const detector = await createCameraDetector({ threads: 1 });
    try {
      const violations: Violation[] = [];
      const { logger } = captureLogger();
      const analyse = createFrameAnalysis({
        // Classified every 20 s: garbage from 20 s, due as zone state at 60 s; the bag is due as left behind at 50 s.
        config: camera({ classifyEverySeconds: 20 }),
        detector: queueDetector(detector),
        sink: async (v) => void violations.push(v),
        logger,
        embedder: null,
        zoneClassifiers: async (id) => (id === 'zone-state-test' ? classifier : undefined),
      });
      for (let t = 0; t <= 100; t += 5) await analyse(await frame(t < 20 ? clean : littered, t));
      const garbage = violations.filter((v) => v.type === 'exposed_garbage');
      expect(garbage).toHaveLength(1);
      expect(garbage[0]).toMatchObject({ zoneId: 'bins', label: 'unidentified object left behind', attributes: { zoneState: GARBAGE_STATE, zoneStateModelId: 'zone-state-test', foundBy: 'background' } });
      expect(garbage[0]!.observedAt.getTime() - T0).toBe(50_000);
      expect(garbage[0]!.evidenceFrames[0]!.capturedAt.getTime() - T0).toBe(15_000);
    } finally {
      await detector.close();
    }
  }, 120_000);
});
