// A parked vehicle is seen on several frames (first seen, confirming); its plate is read on the
// sharpest of them within the vehicle's box (variance of the Laplacian), and on the next sharpest
// when that one gives no reading: a passing bus's motion blur or a refocusing camera spoils one
// frame, rarely all.
import type { Box, Frame } from '../../contracts/types.ts';
import { readPlateOrSayWhy, type PlateReader, type PlateReading } from './plate-reader.ts';
import { sharpestFirst } from './sharpness.ts';

export interface SharpestReading {
  reading: PlateReading;
  /** The frame the reading comes from (for an unreadable plate: the sharpest frame). */
  frame: Frame;
}

export async function readPlateOnSharpest(reader: PlateReader | undefined, frames: readonly Frame[], box: Box): Promise<SharpestReading> {
  if (frames.length === 0) throw new RangeError('readPlateOnSharpest needs at least one frame');
  // The same picture twice (a still, or first seen = confirming) is read once.
  const distinct = frames.filter((f, i) => frames.findIndex((g) => g.pixels === f.pixels) === i);
  const ordered = sharpestFirst(distinct, box);
  let first: SharpestReading | undefined;
  for (const frame of ordered) {
    const reading = await readPlateOrSayWhy(reader, frame, box);
    if (!('unreadable' in reading)) return { reading, frame };
    first ??= { reading, frame };
    // Nothing another frame could change.
    if (reading.unreadable === 'no plate reader') break;
  }
  return first!;
}
