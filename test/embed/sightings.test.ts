// The camera path's embedding stage on a real frame with the real embedder: only the vehicles where
// identity matters get a look, a box reaching past the frame is cut to it, a sliver gets none.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Detection, Frame } from '../../contracts/types.ts';
import { loadManifest } from '../../models/manifest.ts';
import { createEmbedder, type Embedder } from '../../pipeline/embed/embedder.ts';
import { withAppearance } from '../../pipeline/embed/sightings.ts';
import { similarity } from '../../pipeline/embed/similarity.ts';
import { frameFromSample } from '../support/frames.ts';

let embedder: Embedder;
let frame: Frame;

beforeAll(async () => {
  embedder = await createEmbedder((await loadManifest()).embedder!, { threads: 2 });
  frame = await frameFromSample('darknet/dog.jpg', 'cam', new Date('2026-05-04T09:00:00+08:00'));
}, 30_000);
afterAll(async () => {
  await embedder?.close();
});

describe('withAppearance', () => {
  const truck: Detection = { label: 'truck', score: 0.4, box: [467, 74, 692, 169] };
  const dog: Detection = { label: 'dog', score: 0.6, box: [128, 224, 314, 541] };
  const past: Detection = { label: 'truck', score: 0.4, box: [467, 74, 900, 169] };
  const sliver: Detection = { label: 'car', score: 0.3, box: [10, 10, 12, 60] };

  it('gives a look to the vehicles in the zone only, in the order given, and leaves the rest as they were', async () => {
    const inZone = (box: Detection['box']) => box[1] < 200;
    const out = await withAppearance(frame, [dog, truck, sliver, past], embedder, new Set(['truck', 'car']), inZone);
    expect(out.map((d) => d.label)).toEqual(['dog', 'truck', 'car', 'truck']);
    expect(out[0]).toBe(dog);
    expect(out[2]).toBe(sliver);
    expect(out[1]!.embedding).toHaveLength(embedder.dimensions);
    expect(out[1]!.box).toEqual(truck.box);
    // Cut to the frame's edge (768 px): the same pick-up with some kerb beside it.
    expect(similarity(out[1]!.embedding!, out[3]!.embedding!)).toBeGreaterThan(0.6);
    const outside = await withAppearance(frame, [truck], embedder, new Set(['truck']), () => false);
    expect(outside[0]).toBe(truck);
  });
});
