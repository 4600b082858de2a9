// Extra training views of a crop: windows of it shifted and zoomed a little, as a detector's box
// around the same object would be on another frame. They cost embedding time at training only; the
// exported model still sees one crop (and its mirror). The crops in a tree were cut with their
// context already, so a view can only zoom in: a window covering `minSide`…1 of each side, placed at
// random. Seeded per crop, so the same tree trains the same head on every run.
import type { Region } from '../../pipeline/detect/crop.ts';

export interface Augmentation {
  /** Jittered windows per crop (0: none). */
  views: number;
  /** Smallest window side as a fraction of the crop's side. */
  minSide: number;
  seed: number;
}

/** A small deterministic generator (mulberry32): the same seed, the same windows. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** A seed for one crop from the run's seed and the crop's name, so adding a crop moves no other's windows. */
export function seedFor(seed: number, name: string): number {
  let h = (seed ^ 0x811c9dc5) >>> 0;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** `views` windows inside a width x height crop, each at least one pixel and inside the crop. */
export function jitterWindows(width: number, height: number, a: Augmentation, name: string): Region[] {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) throw new RangeError(`crop size ${width}x${height} is not a positive whole number of pixels`);
  if (!(Number.isInteger(a.views) && a.views >= 0)) throw new RangeError(`augmentation views ${a.views} is not a whole number from 0`);
  if (!(a.minSide > 0 && a.minSide <= 1)) throw new RangeError(`augmentation minSide ${a.minSide} must be above 0 and at most 1`);
  const rand = seededRandom(seedFor(a.seed, name));
  const out: Region[] = [];
  for (let i = 0; i < a.views; i++) {
    // One zoom for both sides keeps the object's shape; a little independent stretch is what boxes do.
    const zoom = a.minSide + rand() * (1 - a.minSide);
    const w = Math.max(1, Math.round(width * Math.min(1, zoom * (0.95 + rand() * 0.1))));
    const h = Math.max(1, Math.round(height * Math.min(1, zoom * (0.95 + rand() * 0.1))));
    out.push({ left: Math.floor(rand() * (width - w + 1)), top: Math.floor(rand() * (height - h + 1)), width: w, height: h });
  }
  return out;
}
