// What every patrol grab method is: one decoded frame per call, stamped with when it was taken,
// or a GrabError whose reason is safe to show (credentials masked). A failed grab is a miss for
// that pass, never the end of the patrol.
import type { PatrolGrab } from '../../contracts/camera.ts';
import type { Frame } from '../../contracts/types.ts';

export interface FrameGrabber {
  readonly method: PatrolGrab;
  /** One frame, now. Rejects with GrabError. */
  grab(signal?: AbortSignal): Promise<Frame>;
  /** Releases what the grabber keeps between passes (the session grab's RTSP session). */
  close?(): Promise<void>;
}

/** A pass that took no frame; `reason` names the problem and never holds a credential. */
export class GrabError extends Error {
  override name = 'GrabError';
  constructor(readonly reason: string) {
    super(reason);
  }
}
