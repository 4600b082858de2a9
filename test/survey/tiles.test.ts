import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Detection } from '../../contracts/types.ts';
import type { Detector } from '../../pipeline/detect/detector.ts';
import { iou } from '../../pipeline/detect/nms.ts';
import { detectTiled, mergeDetections } from '../../pipeline/survey/tiled-detection.ts';
import { cropRgb, planTiles } from '../../pipeline/survey/tiles.ts';
import { defaultDetector } from '../support/default-detector.ts';
import { samplePath } from '../support/samples.ts';

describe('tile plan', () => {
  it('covers 1352x900 with 416 tiles at 20% overlap: step 332, last tiles shifted inward', () => {
    const tiles = planTiles(1352, 900, 416, 416, 0.2);
    expect([...new Set(tiles.map((t) => t.x))]).toEqual([0, 332, 664, 936]);
    expect([...new Set(tiles.map((t) => t.y))]).toEqual([0, 332, 484]);
    expect(tiles).toHaveLength(12);
    expect(tiles.every((t) => t.width === 416 && t.height === 416 && t.x + t.width <= 1352 && t.y + t.height <= 900)).toBe(true);
  });

  it('uses one tile, clipped, for an image smaller than a tile', () => {
    expect(planTiles(300, 200, 416, 416)).toEqual([{ x: 0, y: 0, width: 300, height: 200 }]);
  });

  it('refuses an overlap of 1 or more', () => {
    expect(() => planTiles(1000, 1000, 416, 416, 1)).toThrow(/overlap must be in \[0, 1\)/);
  });

  it('crops the right pixels', () => {
    // 4x3 image whose red channel is the pixel index.
    const pixels = new Uint8Array(4 * 3 * 3);
    for (let i = 0; i < 12; i++) pixels[i * 3] = i;
    const tile = cropRgb(pixels, 4, { x: 1, y: 1, width: 2, height: 2 });
    expect([tile[0], tile[3], tile[6], tile[9]]).toEqual([5, 6, 9, 10]);
  });
});

describe('merging tile detections', () => {
  const d = (box: [number, number, number, number], score: number, label = 'car'): Detection => ({ label, score, box });
  it('drops a partial box cut by a tile edge that lies inside the whole one', () => {
    const merged = mergeDetections([d([100, 100, 200, 160], 0.8), d([100, 100, 130, 160], 0.6), d([100, 100, 130, 160], 0.6, 'person')]);
    expect(merged.map((m) => [m.label, m.score])).toEqual([['car', 0.8], ['person', 0.6]]);
  });
});

describe('tiled detection on a real photo', () => {
  let detector: Detector;
  beforeAll(async () => {
    detector = await defaultDetector();
  });
  afterAll(() => detector?.close());

  it('finds at least the people a single pass finds, in image pixels, without duplicates', async () => {
    const { data, info } = await sharp(await readFile(samplePath('darknet/kite.jpg'))).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const frame = { sourceId: 'survey', capturedAt: new Date(), width: info.width, height: info.height, pixels: data };
    const single = await detector.detectFrame(frame);
    const tiled = await detectTiled(detector, frame);
    expect(tiled.timings.tiles).toBe(12);
    const people = (ds: Detection[]) => ds.filter((x) => x.label === 'person').length;
    expect(people(tiled.detections)).toBeGreaterThanOrEqual(people(single.detections));
    for (const x of tiled.detections) {
      expect(x.box[0]).toBeGreaterThanOrEqual(0);
      expect(x.box[2]).toBeLessThanOrEqual(info.width);
      expect(x.box[3]).toBeLessThanOrEqual(info.height);
    }
    for (const [i, a] of tiled.detections.entries()) {
      for (const b of tiled.detections.slice(i + 1)) if (a.label === b.label) expect(iou(a.box, b.box)).toBeLessThanOrEqual(0.5);
    }
  });
});
