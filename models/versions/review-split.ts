// Which reviewed crops a training run learns from and which it is measured on. A source (the camera
// or place in the exported name `<camera>__c<case>-<n>.jpg`) is held out when a hash of its name falls
// in the first HELD_OUT_FRACTION, whatever else was reviewed: so it stays on its side from one run to
// the next, a later version never trains on reviews an earlier one was measured on, and both models
// of a comparison are measured on the same reviews.
//
// Two departures, both for small deployments and both recorded with the version (`splitBy`):
// - Reviews from fewer than MIN_SOURCES cameras are split by case instead: with one camera per
//   type (a pilot, the demo) a camera split holds out everything or nothing. Cases of one camera
//   on both sides measure less strictly; the version says so.
// - A class reviewed in two or more sources keeps at least one on each side (its first source by
//   hash held out, its last trained on), since the promotion rule never promotes a class it has not
//   measured and a model cannot learn a class it has not seen.
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Crop } from '../train/image-folder.ts';

/** Share of the reviews' sources held out to compare candidate and live version. */
export const HELD_OUT_FRACTION = 0.25;
/** Fewer cameras than this among a target's reviews, and they are split by case. */
export const MIN_SOURCES = 4;
const HELD_OUT_SALT = 'reviews:';

export interface ReviewSplit {
  train: Crop[];
  heldOut: Crop[];
  /** What one held-out unit is: every review of a camera, or of a case. */
  splitBy: 'source' | 'case';
}

export function splitReviews(crops: readonly Crop[]): ReviewSplit {
  const splitBy = new Set(crops.map((c) => c.source)).size < MIN_SOURCES ? 'case' : 'source';
  const unit = splitBy === 'case' ? caseOf : (c: Crop) => c.source;
  const held = new Set([...new Set(crops.map(unit))].filter((u) => rank(u) / 2 ** 32 < HELD_OUT_FRACTION));
  for (const label of new Set(crops.map((c) => c.label))) {
    const units = [...new Set(crops.filter((c) => c.label === label).map(unit))].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1));
    if (units.length < 2) continue;
    if (!units.some((u) => held.has(u))) held.add(units[0]!);
    if (units.every((u) => held.has(u))) held.delete(units[units.length - 1]!);
  }
  return { train: crops.filter((c) => !held.has(unit(c))), heldOut: crops.filter((c) => held.has(unit(c))), splitBy };
}

/**
 * The case a crop was cut from, by the name `dataset:export --crops` gives it
 * (`<camera>__c<case>-<n>.jpg` → `<camera>-c<case>`); a crop named otherwise is its own source.
 */
export function caseOf(crop: Crop): string {
  const m = /__(c\d+)-\d+\.[^.]+$/.exec(path.basename(crop.file));
  return m ? `${crop.source}-${m[1]}` : crop.source;
}

/**
 * The name a crop gets in the trees a run writes: by case, its case becomes its source
 * (`<camera>-c<case>__<n>.jpg`), so the trainer's own split keeps a case on one side too.
 */
export function treeName(crop: Crop, splitBy: ReviewSplit['splitBy']): string {
  const name = path.basename(crop.file);
  if (splitBy === 'source') return name;
  const m = /^(.*)__(c\d+)-(\d+)(\.[^.]+)$/.exec(name);
  return m ? `${m[1]}-${m[2]}__${m[3]}${m[4]}` : name;
}

function rank(unit: string): number {
  return createHash('sha256').update(`${HELD_OUT_SALT}${unit}`).digest().readUInt32BE(0);
}
