// The held-out split never puts crops of one source on both sides, keeps every class in training,
// and takes about the asked share of each class.
import { describe, expect, it } from 'vitest';
import { readImageFolder, sourceOf, type Crop } from '../../models/train/image-folder.ts';
import { splitBySource } from '../../models/train/source-split.ts';
import { cutCropTree, tempDir } from './crop-tree.ts';

function sharedSources(a: readonly Crop[], b: readonly Crop[]): string[] {
  const left = new Set(a.map((c) => c.source));
  return [...new Set(b.map((c) => c.source))].filter((s) => left.has(s));
}

describe('splitBySource', () => {
  it('keeps crops of one photo on one side (real tree cut from the sample photos)', async () => {
    const tree = await readImageFolder(await cutCropTree(await tempDir('split')));
    expect(new Set(tree.crops.map((c) => c.source))).toEqual(new Set(['aero1', 'aero3', 'dog', 'person', 'horses']));
    const { train, heldOut } = splitBySource(tree.crops, 0.2);
    expect(heldOut.length).toBeGreaterThan(0);
    expect(sharedSources(train, heldOut)).toEqual([]);
    expect(new Set(train.map((c) => c.label))).toEqual(new Set([0, 1]));
    expect(train.length + heldOut.length).toBe(tree.crops.length);
  });

  it('on many sources of mixed classes: no source on both sides, every class trained, share near the asked one', () => {
    const crops: Crop[] = [];
    for (let s = 0; s < 300; s++) {
      const n = 1 + (s % 4);
      for (let k = 0; k < n; k++) crops.push({ file: `f${s}-${k}`, label: (s + k) % 5 === 0 ? (s + 1) % 3 : s % 3, source: `camera-${s}` });
    }
    for (const fraction of [0.1, 0.2, 0.5]) {
      const { train, heldOut } = splitBySource(crops, fraction, `salt${fraction}`);
      expect(sharedSources(train, heldOut)).toEqual([]);
      expect(new Set(train.map((c) => c.label)).size).toBe(3);
      expect(heldOut.length / crops.length).toBeGreaterThan(fraction - 0.05);
      expect(heldOut.length / crops.length).toBeLessThan(fraction + 0.05);
    }
  });

  it('takes the source from "<source>__<n>" and falls back to the file', () => {
    expect(sourceOf('car', 'cam3-2026-05-04__17.jpg')).toBe('cam3-2026-05-04');
    expect(sourceOf('car', 'a__b__2.png')).toBe('a__b');
    expect(sourceOf('car', 'IMG_0001.jpg')).toBe('car/IMG_0001.jpg');
    expect(sourceOf('car', '__3.jpg')).toBe('car/__3.jpg');
  });
});
