// Held-out crops chosen by source: every crop of one source (image, case, camera day) lands on the
// same side, so the measurement is of crops the model has never seen anything of. Sources are
// ordered by a hash of their name (stable, and independent of what else is in the tree) and taken
// into the held-out part per class until it holds about `fraction` of that class's crops.
import { createHash } from 'node:crypto';
import type { Crop } from './image-folder.ts';

export interface SourceSplit {
  train: Crop[];
  heldOut: Crop[];
}

export function splitBySource(crops: readonly Crop[], fraction: number, salt = ''): SourceSplit {
  if (!(fraction > 0 && fraction < 1)) throw new RangeError(`held-out fraction ${fraction} must be between 0 and 1`);
  const bySource = new Map<string, Crop[]>();
  for (const c of crops) bySource.set(c.source, [...(bySource.get(c.source) ?? []), c]);
  const rank = (s: string) => createHash('sha256').update(`${salt}${s}`).digest().readUInt32BE(0);
  const sources = [...bySource.keys()].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1));
  const perClass = new Map<number, number>();
  for (const c of crops) perClass.set(c.label, (perClass.get(c.label) ?? 0) + 1);
  const taken = new Map<number, number>();
  const held = new Set<string>();
  for (const s of sources) {
    const group = bySource.get(s)!;
    // A source goes to the held-out side when its majority class still needs crops there.
    const counts = new Map<number, number>();
    for (const c of group) counts.set(c.label, (counts.get(c.label) ?? 0) + 1);
    const main = [...counts].sort((a, b) => b[1] - a[1])[0]![0];
    const want = Math.max(1, Math.round(perClass.get(main)! * fraction));
    // Never the last source of a class: training needs every class.
    if ((taken.get(main) ?? 0) < want && (taken.get(main) ?? 0) + group.length < perClass.get(main)!) {
      held.add(s);
      for (const [l, n] of counts) taken.set(l, (taken.get(l) ?? 0) + n);
    }
  }
  return { train: crops.filter((c) => !held.has(c.source)), heldOut: crops.filter((c) => held.has(c.source)) };
}
