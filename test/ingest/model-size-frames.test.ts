// Camera frames at the model's input size (analysis.frameSize "model"): ffmpeg stretches each frame
// to the detector's input, detect() skips resampling, and the detections are those of the full
// frame path within tolerance, on a real clip through the real ingest.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CameraConfigError, parseCameraConfig } from '../../contracts/camera.ts';
import type { Detection, Frame } from '../../contracts/types.ts';
import { watchCamera, type AnalysedFrame } from '../../pipeline/cameras/camera-watch.ts';
import { modelFrameSize } from '../../pipeline/cameras/model-frame-size.ts';
import { queueDetector } from '../../pipeline/cameras/detector-queue.ts';
import { registryDetector } from '../../pipeline/cameras/registry-detector.ts';
import { createModelRegistry } from '../../models/registry.ts';
import type { Detector } from '../../pipeline/detect/detector.ts';
import { decodeArgs } from '../../pipeline/ingest/decode-args.ts';
import { cameraFrames } from '../../scripts/bench/camera-frames.ts';
import { captureLogger } from '../support/capture-logger.ts';
import { defaultDetector } from '../support/default-detector.ts';
import { samplePath } from '../support/samples.ts';
import { BAY_CORNERS, marks, STREET_CAMERA } from '../support/street-camera.ts';
import { until } from '../support/until.ts';

const CLIP = samplePath('opencv/vtest.avi');

describe('decode arguments for model-size frames', () => {
  it('scales to exactly the size asked, aspect not kept, in rgb24', () => {
    const base = { kind: 'file' as const, fps: 1, width: 1280, keyframesOnly: false, rtspTransport: 'tcp' as const, ioTimeoutSeconds: 10, decodeThreads: 1, realtime: false, loop: false };
    const vf = decodeArgs({ ...base, size: { width: 416, height: 416 } }).outputOptions.join(' ');
    expect(vf).toContain('scale=w=416:h=416:flags=bilinear,format=rgb24');
    expect(vf).not.toContain('min(1280');
  });
});

describe('analysis.frameSize in a camera config', () => {
  const camera = (analysis: Record<string, unknown>, kind = 'sidewalk', extra: Record<string, unknown> = {}) => ({
    id: 'plaza-1',
    url: 'rtsp://10.0.0.5/stream1',
    analysis,
    zones: [{ id: 'walk', kind, polygon: [[0, 0], [1, 0], [1, 0.3]] }],
    ...extra,
  });
  const problem = (raw: unknown): CameraConfigError => {
    try {
      parseCameraConfig(raw, 'test');
    } catch (error) {
      return error as CameraConfigError;
    }
    throw new Error('accepted');
  };

  it('accepts "model" on a camera whose zones read no plates', () => {
    expect(parseCameraConfig(camera({ frameSize: 'model' }), 'test').analysis?.frameSize).toBe('model');
    expect(parseCameraConfig(camera({ frameSize: 'full' }, 'no_parking'), 'test').analysis?.frameSize).toBe('full');
  });
  it('refuses what it cannot honour, naming the field and why', () => {
    const bad = problem(camera({ frameSize: 'small' }));
    expect(bad.field).toBe('analysis.frameSize');
    expect(bad.problem).toMatch(/must be "full" or "model", got "small"/);
    expect(problem(camera({ frameSize: 'model' }, 'no_parking')).problem).toMatch(/zone "walk" is no_parking: parking cases read the plate/);
    expect(problem(camera({ frameSize: 'model', mode: 'patrol', grab: 'keyframe' })).problem).toMatch(/continuous mode only/);
    const ground = { points: marks(STREET_CAMERA, BAY_CORNERS) };
    expect(problem(camera({ frameSize: 'model' }, 'sidewalk', { ground })).problem).toMatch(/ground calibration marks are pixels of the full frame/);
  });
});

describe('detections on model-size camera frames', () => {
  let detector: Detector;
  let full: Frame[];
  let small: Frame[];
  beforeAll(async () => {
    detector = await defaultDetector();
    const size = modelFrameSize(detector, 'plaza');
    // The same three moments of the clip (the select filter keeps the same frames at both sizes).
    [full, small] = await Promise.all([cameraFrames(CLIP, 3, { width: 1280 }), cameraFrames(CLIP, 3, { frameSize: size })]);
  }, 60_000);
  afterAll(() => detector?.close());

  it('are those of the full frame, boxes in normalised coordinates within IoU 0.6, scores within 0.15', async () => {
    expect(small[0]!.width).toBe(detector.model.input.width);
    expect(small[0]!.height).toBe(detector.model.input.height);
    expect(full[0]!.width).toBe(768); // vtest.avi is 768x576: never scaled up
    let compared = 0;
    for (let i = 0; i < full.length; i++) {
      const a = normalised((await detector.detectFrame(full[i]!)).detections, full[i]!);
      const b = normalised((await detector.detectFrame(small[i]!)).detections, small[i]!);
      // Confident detections of either path must be found by the other; weak ones near the score
      // floor may come and go with the resampling filter (sharp's lanczos3 against swscale's bilinear).
      for (const [from, to] of [[a, b], [b, a]] as const) {
        for (const d of from.filter((x) => x.score >= 0.45)) {
          const match = bestMatch(d, to);
          expect(match, `${d.label} ${d.score.toFixed(2)} at [${d.box.map((v) => v.toFixed(2))}] in frame ${i}`).toBeDefined();
          expect(match!.iou).toBeGreaterThanOrEqual(0.6);
          expect(Math.abs(match!.score - d.score)).toBeLessThanOrEqual(0.15);
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThanOrEqual(6); // the plaza has several people in every frame
  });
});

describe('a watched camera with analysis.frameSize "model"', () => {
  it('gets its frames from ffmpeg at the detector\'s input size and finds the plaza\'s people in them', async () => {
    const detector = await defaultDetector({ threads: 1 });
    const config = parseCameraConfig(
      { id: 'plaza-small', url: CLIP, analysis: { fps: 2, frameSize: 'model', fullPassSeconds: 1 }, zones: [{ id: 'walk', kind: 'sidewalk', polygon: [[0, 0.5], [1, 0.5], [1, 1], [0, 1]] }] },
      'test',
    );
    const frames: AnalysedFrame[] = [];
    const watch = watchCamera({ config, detector: queueDetector(detector), sink: async () => undefined, logger: captureLogger().logger, embedder: null, onFrame: (a) => frames.push(a) });
    try {
      await until(() => frames.filter((f) => f.detections).length >= 2, 30_000, 'two analysed frames');
    } finally {
      await watch.stop();
      await detector.close();
    }
    const analysed = frames.filter((f) => f.detections);
    for (const f of analysed) {
      expect([f.stream.frame.width, f.stream.frame.height]).toEqual([detector.model.input.width, detector.model.input.height]);
      expect(f.detections!.filter((d) => d.label === 'person' && d.score >= 0.5).length).toBeGreaterThanOrEqual(2);
    }
  }, 60_000);

  it('takes the size from the model registry a camera worker runs (the manifest\'s enabled detector)', async () => {
    const registry = await createModelRegistry({ watch: false, plateReader: false, detector: { threads: 1 } });
    try {
      expect(modelFrameSize(registryDetector(registry), 'plaza')).toEqual({ width: 416, height: 416 });
    } finally {
      await registry.close();
    }
  });

  it('is refused with a detector fed letterboxed, naming the camera and the model', () => {
    const letterboxed = { model: { id: 'yolo-letterbox', input: { width: 640, height: 640, resize: 'letterbox' } }, detectFrame: async () => ({ width: 0, height: 0, detections: [] }) };
    expect(() => modelFrameSize(letterboxed, 'gate-3')).toThrow(/camera gate-3: analysis.frameSize "model" needs a detector fed stretched frames; yolo-letterbox is fed letterbox/);
  });
});

function normalised(detections: Detection[], frame: Frame): Detection[] {
  return detections.map((d) => ({ ...d, box: [d.box[0] / frame.width, d.box[1] / frame.height, d.box[2] / frame.width, d.box[3] / frame.height] }));
}

function bestMatch(d: Detection, others: Detection[]): { iou: number; score: number } | undefined {
  let best: { iou: number; score: number } | undefined;
  for (const o of others.filter((x) => x.label === d.label)) {
    const value = iou(d.box, o.box);
    if (!best || value > best.iou) best = { iou: value, score: o.score };
  }
  return best;
}

function iou(a: Detection['box'], b: Detection['box']): number {
  const w = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const h = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = w * h;
  return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter);
}
