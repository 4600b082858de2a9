// Decides per frame whether the detector runs: when something moved since the last frame (cheap
// differencing of small grey copies), or when a full pass is due (default every 10 s of scene
// time) so that a parked car or a stall that no longer moves is still looked at and its dwell
// confirmed. Everything else is skipped; both are counted per camera.
import type { Frame } from '../../contracts/types.ts';
import { changedShare, greyThumbnail, type GreyThumbnail } from './grey-thumbnail.ts';

export interface MotionGateOptions {
  /** Scene seconds between full passes without motion (the camera's analysis.fullPassSeconds). */
  fullPassSeconds?: number;
  /** Luma change (0-255) of one thumbnail cell that counts as changed. */
  cellThreshold?: number;
  /** Share of changed cells that counts as motion (0.002 = a person far away on a 96-cell-wide copy). */
  minChangedShare?: number;
  thumbnailWidth?: number;
}

export const MOTION_DEFAULTS: Required<MotionGateOptions> = {
  fullPassSeconds: 10,
  cellThreshold: 12,
  minChangedShare: 0.002,
  thumbnailWidth: 96,
};

export type GateReason = 'first' | 'motion' | 'full_pass' | 'still';

export interface GateDecision {
  detect: boolean;
  reason: GateReason;
  /** Share of the picture that changed since the previous frame. */
  changed: number;
}

export interface MotionGate {
  decide(frame: Frame): GateDecision;
  readonly detected: number;
  readonly skipped: number;
}

export function createMotionGate(options: MotionGateOptions = {}): MotionGate {
  const o = { ...MOTION_DEFAULTS, ...options };
  let previous: GreyThumbnail | undefined;
  let lastDetectAt: number | undefined;
  let detected = 0;
  let skipped = 0;
  return {
    decide(frame) {
      const grey = greyThumbnail(frame, o.thumbnailWidth);
      const changed = previous ? changedShare(previous, grey, o.cellThreshold) : 1;
      // Compare with the previous frame, not the last detected one: a slow drift over many frames
      // is caught by the full pass, and a busy scene does not get stuck "in motion".
      previous = grey;
      const t = frame.capturedAt.getTime();
      let reason: GateReason;
      if (lastDetectAt === undefined) reason = 'first';
      else if (changed >= o.minChangedShare) reason = 'motion';
      else if ((t - lastDetectAt) / 1000 >= o.fullPassSeconds || t < lastDetectAt) reason = 'full_pass';
      else reason = 'still';
      const detect = reason !== 'still';
      if (detect) {
        lastDetectAt = t;
        detected++;
      } else skipped++;
      return { detect, reason, changed };
    },
    get detected() {
      return detected;
    },
    get skipped() {
      return skipped;
    },
  };
}
