// First-seen evidence: for every tracked object, the frame on which it was first seen where it
// stands now, kept until it raises a violation or is gone. Moving objects point at the current
// frame, so only still things keep old frames alive; a cap bounds the memory per camera.
import type { Frame } from '../../contracts/types.ts';
import type { TrackedObject } from '../track/tracked-object.ts';

/** Distinct frames kept as first-seen evidence at most, per camera (each is a full RGB frame). */
export const MAX_KEPT_FRAMES = 40;

export interface FirstSeenFrames {
  /** After each analysed frame: keep, replace or drop each track's first-seen frame. */
  update(frame: Frame, tracks: readonly TrackedObject[]): void;
  get(trackId: number): Frame | undefined;
}

export function createFirstSeenFrames(maxKept = MAX_KEPT_FRAMES): FirstSeenFrames {
  const frames = new Map<number, Frame>();
  const keptCount = () => new Set(frames.values()).size;
  return {
    update(frame, tracks) {
      const now = frame.capturedAt;
      const live = new Set(tracks.map((t) => t.id));
      for (const id of frames.keys()) if (!live.has(id)) frames.delete(id);
      for (const t of tracks) {
        const since = t.stillSince ?? t.stationarySince;
        if (!t.visible || !since) continue;
        const kept = frames.get(t.id);
        if (kept && kept.capturedAt.getTime() === since.getTime()) continue;
        if (since.getTime() === now.getTime() && (kept || keptCount() < maxKept)) frames.set(t.id, frame);
        else if (kept) frames.delete(t.id);
      }
    },
    get: (trackId) => frames.get(trackId),
  };
}
