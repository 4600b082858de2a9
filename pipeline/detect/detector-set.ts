// Several detectors on the same frame: the city's COCO detector for vehicles and people, plus its
// own models for garbage, stalls or structures. Each detection keeps the id and sha256 of the model
// that found it, so a violation can name the model behind it.
import type { Detection, Frame } from '../../contracts/types.ts';
import type { ModelEntry } from '../../models/manifest.ts';
import { createDetector, type Detector, type DetectorOptions, type ImageDetections, type StageTimings } from './detector.ts';
import { iou } from './nms.ts';

export interface DetectorSetOptions extends DetectorOptions {
  /**
   * Two models reporting the same label over the same object (two truck detectors) would make two
   * tracks and two cases: above this IoU, only the higher-scoring box is kept (default 0.7).
   */
  crossModelIou?: number;
}

export interface SetDetections {
  width: number;
  height: number;
  detections: Detection[];
  /** Per model, in set order: how long it took and how many boxes it gave before merging. */
  perModel: Array<{ modelId: string; modelSha256: string; found: number; timings: StageTimings }>;
}

export interface DetectorSet {
  readonly detectors: readonly Detector[];
  detectFrame(frame: Frame): Promise<SetDetections>;
  /** Several frames (of several cameras): each detector takes them in batches of its own maxBatch; results in the frames' order. */
  detectFrames(frames: readonly Frame[]): Promise<SetDetections[]>;
  /** The most frames one of its detectors runs in one session.run (1 when none batches). */
  readonly maxBatch: number;
  detectImage(bytes: Buffer, source: string): Promise<SetDetections>;
  close(): Promise<void>;
}

/** Builds every enabled detector among `entries`; if one fails, those already built are closed. */
export async function createDetectorSet(entries: readonly ModelEntry[], options: DetectorSetOptions = {}): Promise<DetectorSet> {
  const detectors: Detector[] = [];
  try {
    for (const entry of entries) if (entry.enabled !== false) detectors.push(await createDetector(entry, options));
  } catch (error) {
    await Promise.all(detectors.map((d) => d.close()));
    throw error;
  }
  return detectorSetOf(detectors, options.crossModelIou);
}

/** A set over detectors someone else owns (the model registry shares them between generations); close() closes them. */
export function detectorSetOf(detectors: readonly Detector[], crossModelIou = 0.7): DetectorSet {
  /** One frame's results, one per detector in set order, as one set of detections. */
  const combine = (results: readonly ImageDetections[]): SetDetections => {
    let width = 0;
    let height = 0;
    const all: Detection[] = [];
    const perModel: SetDetections['perModel'] = [];
    results.forEach((r, i) => {
      const detector = detectors[i]!;
      width = r.width;
      height = r.height;
      all.push(...r.detections);
      perModel.push({ modelId: detector.model.id, modelSha256: detector.model.sha256, found: r.detections.length, timings: r.timings });
    });
    return { width, height, detections: detectors.length > 1 ? mergeAcrossModels(all, crossModelIou) : all, perModel };
  };
  // One detector after another: each session already uses every core.
  const run = async (each: (d: Detector) => ReturnType<Detector['detectFrame']>): Promise<SetDetections> => {
    const results: ImageDetections[] = [];
    for (const detector of detectors) results.push(await each(detector));
    return combine(results);
  };
  const runBatch = async (frames: readonly Frame[]): Promise<SetDetections[]> => {
    const byDetector: ImageDetections[][] = [];
    for (const detector of detectors) byDetector.push(await detector.detectFrames(frames));
    return frames.map((_, i) => combine(byDetector.map((results) => results[i]!)));
  };
  return {
    detectors,
    detectFrame: (frame) => run((d) => d.detectFrame(frame)),
    detectFrames: runBatch,
    maxBatch: Math.max(1, ...detectors.map((d) => d.maxBatch)),
    detectImage: (bytes, source) => run((d) => d.detectImage(bytes, source)),
    close: async () => {
      await Promise.all(detectors.map((d) => d.close()));
    },
  };
}

/** Same label, same place, different models: keep the higher score. Boxes of one model are left as its NMS left them. */
export function mergeAcrossModels(detections: readonly Detection[], iouThreshold: number): Detection[] {
  const sorted = [...detections].sort((a, b) => b.score - a.score);
  const kept: Detection[] = [];
  for (const d of sorted) {
    const duplicate = kept.some((k) => k.label === d.label && k.modelId !== d.modelId && iou(k.box, d.box) > iouThreshold);
    if (!duplicate) kept.push(d);
  }
  return kept;
}
