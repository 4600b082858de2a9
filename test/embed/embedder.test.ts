// The embedding stage on real crops with the real generated model: the same object under a small
// shift looks the same, different objects do not, a batch gives what single calls give, and bad
// input is refused by name.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Box } from '../../contracts/types.ts';
import { loadManifest, type EmbedderEntry } from '../../models/manifest.ts';
import { toRawImage, type RawImage } from '../../pipeline/detect/crop.ts';
import { ModelFormatError } from '../../pipeline/detect/decoders/types.ts';
import { createEmbedder, type Embedder } from '../../pipeline/embed/embedder.ts';
import { poolFeatures } from '../../pipeline/embed/pool-features.ts';
import { similarity } from '../../pipeline/embed/similarity.ts';
import { samplePath } from '../support/samples.ts';

const TRUCK: Box = [467, 74, 692, 169];
const TRUCK_SHIFTED: Box = [480, 78, 700, 172];
const DOG: Box = [128, 224, 314, 541];
const BICYCLE: Box = [114, 127, 568, 421];

let entry: EmbedderEntry;
let embedder: Embedder;
let dog: RawImage;
let horses: RawImage;

beforeAll(async () => {
  entry = (await loadManifest()).embedder!;
  embedder = await createEmbedder(entry, { threads: 2, maxBatch: 2 });
  dog = await toRawImage(await readFile(samplePath('darknet/dog.jpg')));
  horses = await toRawImage(await readFile(samplePath('darknet/horses.jpg')));
}, 30_000);

afterAll(async () => {
  await embedder?.close();
});

describe('embedCrops', () => {
  it('gives unit vectors: the same pick-up shifted is alike, the dog and the bicycle are not', async () => {
    const [truck, shifted, dogE, bike] = await embedder.embedCrops([dog, dog, dog, dog], [TRUCK, TRUCK_SHIFTED, DOG, BICYCLE]);
    for (const v of [truck!, shifted!, dogE!, bike!]) {
      expect(v.length).toBe(embedder.dimensions);
      expect(similarity(v, v)).toBeCloseTo(1, 4);
    }
    const same = similarity(truck!, shifted!);
    const others = [similarity(truck!, dogE!), similarity(truck!, bike!), similarity(dogE!, bike!)];
    console.log(`[dog.jpg] pick-up vs itself shifted ${same.toFixed(3)}; pick-up/dog, pick-up/bicycle, dog/bicycle ${others.map((s) => s.toFixed(3)).join(', ')}`);
    for (const o of others) expect(same).toBeGreaterThan(o + 0.1);
  });

  it('gives in a batch of several images what it gives one crop at a time', async () => {
    const boxes: Box[] = [TRUCK, DOG, [20, 100, 200, 380], BICYCLE, TRUCK_SHIFTED];
    const images = [dog, dog, horses, dog, dog];
    const batched = await embedder.embedCrops(images, boxes);
    for (const [i, box] of boxes.entries()) {
      const [single] = await embedder.embedCrops([images[i]!], [box]);
      expect(similarity(single!, batched[i]!)).toBeGreaterThan(0.9999);
    }
  });

  it('refuses a box outside the image, a non-finite box, and images that do not pair with boxes', async () => {
    await expect(embedder.embedCrops([dog], [[900, 10, 950, 40]])).rejects.toThrow(/box 0 \[900\.0, 10\.0, 950\.0, 40\.0\] lies outside the 768x576 image/);
    await expect(embedder.embedCrops([dog], [[0, 0, Number.NaN, 5]])).rejects.toThrow(/box 0 .* is not four finite numbers/);
    await expect(embedder.embedCrops([dog, dog], [TRUCK])).rejects.toThrow(/2 images for 1 boxes/);
    expect(await embedder.embedCrops([], [])).toEqual([]);
  });

  it('refuses a manifest entry whose feature outputs the model does not have', async () => {
    await expect(createEmbedder({ ...entry, output: { features: ['features_s64'], grid: 1 } })).rejects.toThrow(ModelFormatError);
    await expect(createEmbedder({ ...entry, output: { features: ['features_s64'], grid: 1 } })).rejects.toThrow(/features_s64, but the model's outputs are features_s16, features_s32/);
  });
});

describe('poolFeatures', () => {
  it('averages each map over its cells, scales each map and then the whole to unit length', () => {
    // Two items; map A [2, 2, 1, 2], map B [2, 1, 1, 1].
    const a = { data: new Float32Array([1, 3, 0, 0, 0, 0, 2, 4]), dims: [2, 2, 1, 2] };
    const b = { data: new Float32Array([5, -1]), dims: [2, 1, 1, 1] };
    const [first, second] = poolFeatures([a, b]);
    const r = Math.SQRT1_2;
    expect(Array.from(first!)).toEqual([r, 0, r].map((v) => Math.fround(v)).map((v) => expect.closeTo(v, 6)));
    expect(Array.from(second!)).toEqual([0, r, -r].map((v) => expect.closeTo(v, 6)));
  });

  it('refuses maps that disagree on the batch or hold the wrong number of values', () => {
    expect(() => poolFeatures([])).toThrow(/no feature maps/);
    expect(() => poolFeatures([{ data: new Float32Array(4), dims: [1, 4, 1, 1] }, { data: new Float32Array(4), dims: [2, 2, 1, 1] }])).toThrow(/\[2,2,1,1\] is not \[1, C, H, W\]/);
    expect(() => poolFeatures([{ data: new Float32Array(3), dims: [1, 4, 1, 1] }])).toThrow(/holds 3 values/);
  });
});

describe('poolFeatures over a grid', () => {
  it('pools each quadrant of a map on its own', () => {
    // One item, one channel, 2x2 cells: each quadrant is one cell, scaled to unit length (its
    // sign), then the whole: three non-zero cells of 1/√3.
    const [v] = poolFeatures([{ data: new Float32Array([3, -2, 0, 5]), dims: [1, 1, 2, 2] }], 2);
    const r = 1 / Math.sqrt(3);
    expect(Array.from(v!)).toEqual([r, -r, 0, r].map((x) => expect.closeTo(x, 6)));
  });

  it('refuses a grid finer than the map, or not a whole number', () => {
    expect(() => poolFeatures([{ data: new Float32Array(4), dims: [1, 1, 2, 2] }], 3)).toThrow(/smaller than the 3x3 pooling grid/);
    expect(() => poolFeatures([{ data: new Float32Array(4), dims: [1, 1, 2, 2] }], 1.5)).toThrow(/pooling grid 1.5/);
  });
});
