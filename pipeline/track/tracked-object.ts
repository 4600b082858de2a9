// What the tracker hands to the rules: the contract's Track plus where the object is now and
// whether this frame saw it, so rules can keep counting while it is hidden but only raise on a
// frame that shows it.
import type { Box, Track } from '../../contracts/types.ts';

export interface TrackedObject extends Track {
  /** The last box it was seen in (for a hidden object, where it was last). */
  box: Box;
  score: number;
  /** Seen in the frame of this update. */
  visible: boolean;
  /** Watched time since it was last seen (0 when visible); see tracker.ts for "watched". */
  hiddenSeconds: number;
  /** When it was first seen where it stands now (its stationarySince once confirmed still). Always set by the tracker. */
  stillSince?: Date;
  /** Its look (appearance embedding) when first seen where it stands now; absent without an embedder. */
  look?: Float32Array;
}
