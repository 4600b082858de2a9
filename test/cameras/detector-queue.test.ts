// The detector queue every camera of a worker shares: frames that wait go through the real default
// model together, and each camera gets back exactly what its frame gives alone.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Frame } from '../../contracts/types.ts';
import { createModelRegistry, type ModelRegistry } from '../../models/registry.ts';
import { DEFAULT_MANIFEST } from '../../models/manifest.ts';
import { createCameraMetrics } from '../../pipeline/cameras/camera-metrics.ts';
import { queueDetector, type FrameDetections } from '../../pipeline/cameras/detector-queue.ts';
import { registryDetector } from '../../pipeline/cameras/registry-detector.ts';
import type { Detector } from '../../pipeline/detect/detector.ts';
import { defaultDetector } from '../support/default-detector.ts';
import { classifierFixtureEntry, colourDetectorFixture, coverClassifierFixture, detectorFixtureEntry, writeFixture, writeLabels } from '../support/fixture-models.ts';
import { frameFromSample } from '../support/frames.ts';

const PHOTOS = ['dog', 'eagle', 'giraffe', 'horses', 'kite', 'person'].map((p) => `darknet/${p}.jpg`);

let detector: Detector;
/** Eleven frames of "eleven cameras": the six photos, and five of them already at the model's 416 x 416. */
let frames: Frame[];
beforeAll(async () => {
  detector = await defaultDetector({ thresholds: { default: 0.2 } });
  const photos = await Promise.all(PHOTOS.map((p, i) => frameFromSample(p, `cam-${i}`, new Date(0))));
  const small = await Promise.all(photos.slice(0, 5).map((f, i) => resized(f, 416, 416, `cam-${6 + i}`)));
  frames = [...photos, ...small];
}, 60_000);
afterAll(() => detector?.close());

async function resized(frame: Frame, width: number, height: number, sourceId: string): Promise<Frame> {
  const data = await sharp(frame.pixels, { raw: { width: frame.width, height: frame.height, channels: 3 } }).resize(width, height, { fit: 'fill' }).raw().toBuffer();
  return { sourceId, capturedAt: frame.capturedAt, width, height, pixels: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

async function oneByOne(frameList: readonly Frame[], run: (f: Frame) => Promise<FrameDetections> = (f) => detector.detectFrame(f)): Promise<FrameDetections[]> {
  const out: FrameDetections[] = [];
  for (const f of frameList) out.push(await run(f));
  return out;
}

/** Each frame's detections are the ones it gets alone: same labels in the same order, scores and boxes to float tolerance. */
function expectSame(got: readonly FrameDetections[], alone: readonly FrameDetections[]): void {
  expect(got).toHaveLength(alone.length);
  got.forEach((g, i) => {
    const a = alone[i]!;
    expect([g.width, g.height], `frame ${i}`).toEqual([a.width, a.height]);
    expect(g.detections.map((d) => d.label), `frame ${i}`).toEqual(a.detections.map((d) => d.label));
    g.detections.forEach((d, k) => {
      expect(d.score).toBeCloseTo(a.detections[k]!.score, 4);
      d.box.forEach((v, j) => expect(v).toBeCloseTo(a.detections[k]!.box[j]!, 2));
      expect(d.attributes).toEqual(a.detections[k]!.attributes);
    });
  });
}

/** Observed batch sizes, from the histogram the camera metrics export. */
async function batchSizes(metrics: ReturnType<typeof createCameraMetrics>): Promise<{ count: number; sum: number }> {
  const values = (await metrics.detectorBatch.get()).values;
  return {
    count: values.find((v) => v.metricName === 'detector_batch_frames_count')?.value ?? 0,
    sum: values.find((v) => v.metricName === 'detector_batch_frames_sum')?.value ?? 0,
  };
}

describe('one detector queue for the cameras of a worker', () => {
  it('runs frames of six cameras submitted together in one call, each getting its own frame\'s detections', async () => {
    const six = frames.slice(0, 6);
    const alone = await oneByOne(six);
    expect(alone.reduce((n, r) => n + r.detections.length, 0)).toBeGreaterThan(10);
    const metrics = createCameraMetrics();
    const queue = queueDetector(detector, { batchSize: metrics.detectorBatch });
    const together = await Promise.all(six.map((f) => queue.detectFrame(f)));
    expectSame(together, alone);
    expect([queue.runs, queue.batches, queue.waiting]).toEqual([6, 1, 0]);
    expect(await batchSizes(metrics)).toEqual({ count: 1, sum: 6 });
    // Two different photos give different detections: the results were not handed to the wrong camera.
    expect(together[0]!.detections.map((d) => d.label)).toContain('dog');
    expect(together[1]!.detections.map((d) => d.label)).not.toContain('dog');
  }, 120_000);

  it('gathers the frames that arrive while the model runs into its next call, up to maxBatch, in order', async () => {
    const alone = await oneByOne(frames);
    const metrics = createCameraMetrics();
    const queue = queueDetector(detector, { batchSize: metrics.detectorBatch });
    const first = queue.detectFrame(frames[0]!);
    await null; // the queue starts the first frame on its own
    expect(queue.waiting).toBe(0);
    const rest = frames.slice(1).map((f) => queue.detectFrame(f));
    expect(queue.waiting).toBe(10);
    const results = await Promise.all([first, ...rest]);
    expectSame(results, alone);
    // 1 alone, then the ten that waited: 8 (the model's maxBatch) and 2.
    expect([queue.runs, queue.batches]).toEqual([11, 3]);
    expect(await batchSizes(metrics)).toEqual({ count: 3, sum: 11 });
    const buckets = (await metrics.detectorBatch.get()).values.filter((v) => v.metricName === 'detector_batch_frames_bucket');
    expect(buckets.find((b) => b.labels.le === 1)?.value).toBe(1);
    expect(buckets.find((b) => b.labels.le === 2)?.value).toBe(2);
    expect(buckets.find((b) => b.labels.le === 6)?.value).toBe(2);
    expect(buckets.find((b) => b.labels.le === 8)?.value).toBe(3);
  }, 120_000);

  it('takes at most the queue\'s own maxBatch a call when it is below the model\'s, and refuses one under 1', async () => {
    const queue = queueDetector(detector, { maxBatch: 3 });
    const first = queue.detectFrame(frames[0]!);
    await null;
    const rest = frames.slice(1, 8).map((f) => queue.detectFrame(f));
    expectSame(await Promise.all([first, ...rest]), await oneByOne(frames.slice(0, 8)));
    // 1, then the seven that waited: 3 + 3 + 1.
    expect([queue.runs, queue.batches]).toEqual([8, 4]);
    for (const bad of [0, -2, Number.NaN]) expect(() => queueDetector(detector, { maxBatch: bad })).toThrow(/queueDetector: maxBatch must be at least 1/);
  }, 120_000);

  it('fails only the caller of an unreadable frame; the others in its batch and later frames still get theirs', async () => {
    const good = [frames[0]!, frames[3]!, frames[7]!];
    const alone = await oneByOne(good);
    const truncated: Frame = { ...frames[1]!, sourceId: 'cam-broken', pixels: frames[1]!.pixels.subarray(0, 1000) };
    const queue = queueDetector(detector);
    const settled = await Promise.allSettled([good[0]!, truncated, good[1]!, good[2]!].map((f) => queue.detectFrame(f)));
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(String((settled[1] as PromiseRejectedResult).reason)).toMatch(/memory area too small.*you passed 1000/);
    expectSame(settled.filter((s) => s.status === 'fulfilled').map((s) => (s as PromiseFulfilledResult<FrameDetections>).value), alone);
    // Counted once each, although the batch was run again frame by frame.
    expect([queue.runs, queue.batches]).toEqual([4, 1]);
    expectSame([await queue.detectFrame(frames[4]!)], await oneByOne([frames[4]!]));
    expect(queue.waiting).toBe(0);
  }, 120_000);

  it('runs one frame at a time through a detector that offers no batch, and keeps a queue wrapped in a queue batching', async () => {
    const three = frames.slice(0, 3);
    const alone = await oneByOne(three);
    const single = queueDetector({ model: detector.model, detectFrame: (f: Frame) => detector.detectFrame(f) });
    expectSame(await Promise.all(three.map((f) => single.detectFrame(f))), alone);
    expect([single.runs, single.batches]).toEqual([3, 3]);

    // A worker given an already queued detector (tests and scripts pass queueDetector(...)) queues it again.
    const inner = queueDetector(detector);
    const outer = queueDetector(inner);
    expectSame(await Promise.all(three.map((f) => outer.detectFrame(f))), alone);
    expect([outer.batches, inner.batches, inner.runs]).toEqual([1, 1, 3]);
  }, 120_000);
});

describe('the model registry\'s set through the queue', () => {
  let dir: string;
  let manifestPath: string;
  let registry: ModelRegistry;
  let nanodet: Record<string, unknown>;
  let fixtures: unknown[];
  let brown: Frame;

  // Classifiers are entries of `models` too (kind "classifier").
  const writeManifest = (models: unknown[]) => writeFile(manifestPath, JSON.stringify({ defaultDetector: 'nanodet-coco-416', models }));

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'detector-queue-'));
    manifestPath = path.join(dir, 'manifest.json');
    // The product's default detector as its manifest declares it (batch of 8), with two colour-rule
    // fixtures beside it (no batch axis) and a classifier on the fixture's trucks.
    const shipped = JSON.parse(await readFile(DEFAULT_MANIFEST, 'utf8')) as { models: Array<Record<string, unknown>> };
    const entry = shipped.models.find((m) => m.id === 'nanodet-coco-416')!;
    const modelsDir = path.dirname(DEFAULT_MANIFEST);
    nanodet = { ...entry, file: path.resolve(modelsDir, entry.file as string), labels: path.resolve(modelsDir, entry.labels as string) };
    await writeLabels(dir, 'garbage.txt', ['garbage']);
    await writeLabels(dir, 'truck.txt', ['truck']);
    await writeLabels(dir, 'cover.txt', ['covered', 'uncovered']);
    const garbage = await writeFixture(dir, 'garbage.onnx', colourDetectorFixture({ box: [8, 8, 56, 56] }));
    const truck = await writeFixture(dir, 'truck.onnx', colourDetectorFixture({ box: [16, 16, 48, 48] }));
    const cover = await writeFixture(dir, 'cover.onnx', coverClassifierFixture());
    fixtures = [
      detectorFixtureEntry('fixture-garbage', 'garbage.onnx', garbage.sha256, 'garbage.txt'),
      detectorFixtureEntry('fixture-truck', 'truck.onnx', truck.sha256, 'truck.txt'),
    ];
    await writeManifest([nanodet, ...fixtures, classifierFixtureEntry('fixture-cover', 'cover.onnx', cover.sha256, 'cover.txt')]);
    registry = await createModelRegistry({ manifestPath, watch: false, plateReader: false, detector: { threads: 2, thresholds: { default: 0.2 } }, classifier: { threads: 1 } });
    // An earth-brown heap over the dog photo: the fixtures fire (a garbage box, a truck box the classifier labels).
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="768" height="576"><ellipse cx="384" cy="420" rx="390" ry="200" fill="#7a4b2a"/></svg>';
    const { data, info } = await sharp(frames[0]!.pixels, { raw: { width: frames[0]!.width, height: frames[0]!.height, channels: 3 } })
      .composite([{ input: Buffer.from(svg) }]).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    brown = { sourceId: 'cam-brown', capturedAt: new Date(0), width: info.width, height: info.height, pixels: data };
  }, 60_000);
  afterAll(async () => {
    await registry?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('batches each detector of the set and classifies each frame as the set does frame by frame', async () => {
    const some = [brown, ...frames.slice(0, 4), frames[8]!];
    const alone = await oneByOne(some, (f) => registry.use((m) => m.detectFrame(f)));
    const found = alone[0]!.detections;
    expect(found.find((d) => d.label === 'garbage')?.modelId).toBe('fixture-garbage');
    expect(found.find((d) => d.label === 'truck')?.attributes).toMatchObject({ cover: 'uncovered', coverModelId: 'fixture-cover' });

    const metrics = createCameraMetrics();
    const camera = registryDetector(registry, metrics.inference);
    expect(camera.maxBatch).toBe(8);
    const queue = queueDetector(camera, { batchSize: metrics.detectorBatch });
    const together = await Promise.all(some.map((f) => queue.detectFrame(f)));
    expectSame(together, alone);
    expect(together.map((r) => r.perModel.map((p) => p.modelId))).toEqual(some.map(() => ['nanodet-coco-416', 'fixture-garbage', 'fixture-truck']));
    expect([queue.runs, queue.batches]).toEqual([6, 1]);
    // Inference time is still observed per frame and model.
    const inference = (await metrics.inference.get()).values.filter((v) => v.metricName === 'detector_inference_seconds_count');
    expect(inference.find((v) => v.labels.model === 'nanodet-coco-416')?.value).toBe(6);
  }, 120_000);

  it('follows a reload: a generation whose models declare no batch runs frame by frame', async () => {
    const camera = registryDetector(registry);
    const queue = queueDetector(camera);
    const { maxBatch: _dropped, ...unbatched } = nanodet.input as Record<string, unknown>;
    await writeManifest([{ ...nanodet, input: unbatched }, ...fixtures]);
    const reload = await registry.reload();
    expect(reload.ok).toBe(true);
    expect(camera.maxBatch).toBe(1);
    const three = frames.slice(0, 3);
    const alone = await oneByOne(three, (f) => registry.use((m) => m.detectFrame(f)));
    expectSame(await Promise.all(three.map((f) => queue.detectFrame(f))), alone);
    expect([queue.runs, queue.batches]).toEqual([3, 3]);
  }, 120_000);
});
