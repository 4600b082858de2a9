// Metrics on sets small enough to work out by hand (the arithmetic is in the comments).
import { describe, expect, it } from 'vitest';
import { averagePrecision, evaluateDetections, type ImageResult } from '../../models/evaluate/metrics.ts';
import type { DetectedBox, LabelledBox } from '../../models/evaluate/types.ts';

type Box4 = [number, number, number, number];
/** A labelled car without a score, or a detected one with it. */
function car(box: Box4): LabelledBox;
function car(box: Box4, score: number): DetectedBox;
function car(box: Box4, score?: number): LabelledBox | DetectedBox {
  return score === undefined ? { label: 'car', box } : { label: 'car', box, score };
}

// Image A: two cars; found both (0.9, 0.7) plus a false box (0.8). Image B: one car, found (0.6).
// Ranked: TP, FP, TP, TP over 3 objects → precision 1, .5, .667, .75 at recall 1/3, 1/3, 2/3, 1.
// Interpolated: 1 up to recall 1/3 (34 of the 101 points), .75 after (67 points):
// AP = (34 × 1 + 67 × 0.75) / 101 = 84.25 / 101.
const twoImages: ImageResult[] = [
  {
    image: 'a.jpg',
    groundTruth: [car([0, 0, 10, 10]), car([20, 0, 30, 10])],
    detections: [car([0, 0, 10, 10], 0.9), car([50, 50, 60, 60], 0.8), car([20, 0, 30, 10], 0.7)],
  },
  { image: 'b.jpg', groundTruth: [car([0, 0, 10, 10])], detections: [car([0, 0, 10, 10], 0.6)] },
];

describe('detection metrics', () => {
  it('computes AP50 with 101-point interpolation', () => {
    expect(averagePrecision(twoImages, 'car', 0.5)).toBeCloseTo(84.25 / 101, 10);
  });

  it('gives precision and recall at the operating threshold', () => {
    // At 0.65 the 0.6 detection is dropped: 2 TP, 1 FP, 3 objects.
    const [m] = evaluateDetections(twoImages, 0.65).perLabel;
    expect(m).toMatchObject({ label: 'car', objects: 3, truePositives: 2, falsePositives: 1 });
    expect(m!.precision).toBeCloseTo(2 / 3, 10);
    expect(m!.recall).toBeCloseTo(2 / 3, 10);
    // Exact boxes match at every IoU, so AP50-95 equals AP50.
    expect(m!.ap50to95).toBeCloseTo(84.25 / 101, 10);
  });

  it('averages AP over IoU 0.50-0.95: a box overlapping 70% counts at 5 of the 10 thresholds', () => {
    const loose: ImageResult[] = [{ image: 'a', groundTruth: [car([0, 0, 10, 10])], detections: [car([0, 0, 10, 7], 0.9)] }];
    const [m] = evaluateDetections(loose, 0.5).perLabel;
    expect(m!.ap50).toBe(1);
    expect(m!.ap50to95).toBeCloseTo(0.5, 10);
  });

  it('does not count a second box on an already-found object as found', () => {
    const dup: ImageResult[] = [{ image: 'a', groundTruth: [car([0, 0, 10, 10])], detections: [car([0, 0, 10, 10], 0.9), car([0, 0, 10, 9], 0.8)] }];
    const [m] = evaluateDetections(dup, 0.5).perLabel;
    expect([m!.truePositives, m!.falsePositives]).toEqual([1, 1]);
  });

  it('neither rewards nor punishes detections on ignored (difficult, crowd) boxes', () => {
    const withIgnore: ImageResult[] = [
      { image: 'a', groundTruth: [car([0, 0, 10, 10]), { ...car([100, 100, 110, 110]), ignore: true }], detections: [car([100, 100, 110, 110], 0.95), car([0, 0, 10, 10], 0.5)] },
    ];
    const [m] = evaluateDetections(withIgnore, 0.3).perLabel;
    expect(m).toMatchObject({ objects: 1, truePositives: 1, falsePositives: 0, precision: 1, recall: 1, ap50: 1 });
  });

  it('evaluates only labels the dataset has, and says what each object was taken for', () => {
    const busAsTrain: ImageResult[] = [
      {
        image: 'a',
        groundTruth: [{ label: 'bus', box: [0, 0, 100, 50] }, { label: 'person', box: [200, 0, 220, 60] }, { label: 'person', box: [300, 0, 320, 60] }],
        detections: [
          { label: 'train', score: 0.7, box: [2, 0, 100, 52] },
          { label: 'person', score: 0.8, box: [200, 0, 220, 60] },
          { label: 'dog', score: 0.9, box: [500, 500, 550, 550] },
        ],
      },
    ];
    const e = evaluateDetections(busAsTrain, 0.5);
    expect(e.perLabel.map((m) => m.label)).toEqual(['bus', 'person']);
    expect(e.confusion).toEqual({ bus: { train: 1 }, person: { person: 1, missed: 1 } });
    const bus = e.perLabel[0]!;
    expect([bus.recall, bus.ap50]).toEqual([0, 0]);
  });

  it('reports NaN AP, not zero, for a label without ground truth', () => {
    expect(averagePrecision(twoImages, 'bus', 0.5)).toBeNaN();
  });
});
