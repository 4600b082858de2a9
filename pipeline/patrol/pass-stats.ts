// How one patrol camera keeps its schedule, as /v1/status and the metrics show it: when it was last
// analysed, the interval actually achieved between analysed frames (wall time), and the passes that
// took no frame, with the last reason.
import type { PatrolGrab } from '../../contracts/camera.ts';

/** A pass is on time when the camera is analysed again within its interval plus this. */
export const PATROL_SLACK_SECONDS = 2;

export interface PatrolPassStats {
  method: PatrolGrab;
  everySeconds: number;
  /** Passes that analysed a frame. */
  passes: number;
  /** Passes that took no frame (grab failed or analysis failed). */
  misses: number;
  /** Analysed frames that came more than everySeconds + 2 s after the one before. */
  late: number;
  /** Capture time (scene clock) of the last analysed frame, ISO. */
  lastPassAt: string | null;
  /** Wall seconds between the last two analysed frames. */
  lastIntervalSeconds: number | null;
  /** The longest such interval since the patrol began. */
  worstIntervalSeconds: number | null;
  /** Wall seconds the last pass took: grab, detector, tracker and rules. */
  lastPassSeconds: number | null;
  lastMiss: { at: string; reason: string } | null;
}

export interface PassStats {
  passed(capturedAt: Date, startedMs: number, doneMs: number): void;
  missed(reason: string, atMs: number): void;
  snapshot(): PatrolPassStats;
}

export function createPassStats(method: PatrolGrab, everySeconds: number): PassStats {
  const s: PatrolPassStats = {
    method,
    everySeconds,
    passes: 0,
    misses: 0,
    late: 0,
    lastPassAt: null,
    lastIntervalSeconds: null,
    worstIntervalSeconds: null,
    lastPassSeconds: null,
    lastMiss: null,
  };
  let lastAnalysedMs: number | undefined;
  return {
    passed(capturedAt, startedMs, doneMs) {
      s.passes++;
      s.lastPassAt = capturedAt.toISOString();
      s.lastPassSeconds = (doneMs - startedMs) / 1000;
      if (lastAnalysedMs !== undefined) {
        const interval = (doneMs - lastAnalysedMs) / 1000;
        s.lastIntervalSeconds = interval;
        s.worstIntervalSeconds = Math.max(s.worstIntervalSeconds ?? 0, interval);
        if (interval > everySeconds + PATROL_SLACK_SECONDS) s.late++;
      }
      lastAnalysedMs = doneMs;
    },
    missed(reason, atMs) {
      s.misses++;
      s.lastMiss = { at: new Date(atMs).toISOString(), reason };
    },
    snapshot: () => ({ ...s, ...(s.lastMiss ? { lastMiss: { ...s.lastMiss } } : {}) }),
  };
}
