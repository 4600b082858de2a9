// Which side of the train/val split an image goes to. Pictures of one street corner must never land
// on both sides (val would then measure memory, not generalisation), so the split is by what ties
// images together: the camera, or for drone images the place they show.
import { createHash } from 'node:crypto';

export type Split = 'train' | 'val';

/** ~500 m: drone images and cases closer than this to each other are one place for the split. */
const PLACE_CELL_DEG = 0.005;

/** The place cell of a location: the key a drone case and a survey image at the same spot share. */
export function placeKeyOf(location: { lat: number; lon: number }): string {
  return `place:${Math.floor(location.lat / PLACE_CELL_DEG)}:${Math.floor(location.lon / PLACE_CELL_DEG)}`;
}

/** What keeps related images on one side of the split: the camera, or the place a drone saw, else the source. */
export function splitKeyOf(c: { source: { kind: string; id: string }; location: { lat: number; lon: number } | null }): string {
  if (c.source.kind === 'camera') return `camera:${c.source.id}`;
  if (c.location) return placeKeyOf(c.location);
  return `${c.source.kind}:${c.source.id}`;
}

/** train or val from the first 32 bits of sha256(key): stable, and independent of what else is exported. */
export function splitOf(key: string, valFraction: number): Split {
  const h = createHash('sha256').update(key).digest().readUInt32BE(0);
  return h / 2 ** 32 < valFraction ? 'val' : 'train';
}
