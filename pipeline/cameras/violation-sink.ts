// Where a camera's findings go. The case pipeline (dedupe, evidence, dispatch) plugs in here; the
// camera worker itself never builds cases.
import type { Box, Violation, ViolationType } from '../../contracts/types.ts';

/** Receives each confirmed violation once. A rejected promise is retried (see camera-watch.ts). */
export type ViolationSink = (violation: Violation) => Promise<void>;

/** The first stage of a two-stage rule (illegal parking after warnAfterSeconds): not yet a violation. */
export interface ViolationWarning {
  type: ViolationType;
  sourceId: string;
  zoneId: string;
  trackId: number;
  label: string;
  startedAt: Date;
  observedAt: Date;
  box: Box;
  score: number;
}

export type WarningSink = (warning: ViolationWarning) => Promise<void> | void;
