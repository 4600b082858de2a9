// `npm run train -- detector` end to end on real photos with their real boxes: a few steps of
// fine-tuning from the default detector lower the loss and raise AP on the training images, the
// exported ONNX equals torch in onnxruntime, and the manifest entry loads and runs in the product's
// detector with the classes, base, data summary and metrics it was trained with.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { findModel, loadManifest } from '../../../models/manifest.ts';
import type { ProgressEvent } from '../../../models/train/detector-progress.ts';
import { trainDetector, type TrainedDetector } from '../../../models/train/train-detector.ts';
import { createDetector } from '../../../pipeline/detect/detector.ts';
import { defaultModel } from '../../support/default-detector.ts';
import { samplePath } from '../../support/samples.ts';
import { labelmeYolo, tempDir } from '../../../models/train/detector-sample-dataset.ts';

let trained: TrainedDetector;
const lines: string[] = [];
const events: ProgressEvent[] = [];

beforeAll(async () => {
  const dataset = await labelmeYolo(await tempDir('data'));
  trained = await trainDetector({
    dataset,
    base: 'nanodet-coco-416',
    id: 'street-tuned-1',
    out: await tempDir('out'),
    classes: ['person', 'car', 'bus'],
    epochs: 4,
    freezeBackbone: true,
    replay: [],
    batch: 2,
    lr: 1e-3,
    minViewsPerEpoch: 4,
    log: (l) => lines.push(l),
    onProgress: (e) => events.push(e),
  });
}, 300_000);

describe('npm run train -- detector', () => {
  it('lowers the loss and raises AP50-95 on the training images in a few steps', () => {
    const { lossOnTrainingImages } = trained.result.training;
    expect(lossOnTrainingImages.trained).toBeLessThan(lossOnTrainingImages.base);
    const { apOnTrainingImages } = trained.result.training;
    expect(apOnTrainingImages.trained.ap50to95).toBeGreaterThan(apOnTrainingImages.base.ap50to95);
  });

  it('shows epoch, loss and ETA as it goes', () => {
    expect(events.filter((e) => e.event === 'epoch')).toHaveLength(4);
    expect(lines.some((l) => /^epoch 4\/4: loss \d+\.\d+, AP50 \d\.\d+, AP50-95 \d\.\d+, ETA \dm\d\ds$/.test(l))).toBe(true);
    expect(lines[0]).toMatch(/classes person, car, bus; training \d images from \d sources/);
  });

  it('starts kept classes from the base and holds out whole photos', () => {
    expect(trained.result.keptFromBase).toEqual(['person', 'car', 'bus']);
    const t = trained.result.training as unknown as { train: { sources: number }; val: { sources: number }; heldOut: boolean };
    expect(t.heldOut).toBe(true);
    expect(t.train.sources + t.val.sources).toBe(3);
  });

  it('exports ONNX that onnxruntime runs as torch does (≤ 1e-3)', () => {
    expect(trained.result.exportParity.opset).toBe(17);
    expect(trained.result.exportParity.maxAbsDiff).toBeLessThanOrEqual(1e-3);
  });

  it('declares an entry that loads, validates and runs in the product detector', async () => {
    const manifest = await loadManifest(trained.manifest);
    const entry = findModel(manifest, 'street-tuned-1');
    const base = await defaultModel();
    expect(entry.labels).toEqual(['person', 'car', 'bus']);
    expect(entry.sha256).toBe(trained.sha256);
    expect(entry.input).toMatchObject({ width: base.input.width, height: base.input.height, channels: base.input.channels });
    const raw = JSON.parse(await readFile(trained.manifest, 'utf8')).models[0];
    expect(raw.base).toEqual({ id: base.id, sha256: base.sha256 });
    expect(raw.training.train.boxes).toHaveProperty('person');
    expect(raw.metrics.exportParity.maxAbsDiff).toBeLessThanOrEqual(1e-3);
    const detector = await createDetector(entry, { threads: 2 });
    try {
      const found = await detector.detectImage(await readFile(samplePath('labelme/annotated/2011_000025.jpg')), '2011_000025.jpg');
      expect(found.detections.every((d) => entry.labels.includes(d.label))).toBe(true);
    } finally {
      await detector.close();
    }
    expect(path.basename(trained.file)).toBe('street-tuned-1.onnx');
  });
});
