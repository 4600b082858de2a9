// All camera rules of one camera, evaluated together on one detector pass. Adding a violation type
// is one more file with the same signature and one line here.
import type { ViolationType } from '../../contracts/types.ts';
import { illegalParking } from './illegal-parking.ts';
import type { RuleEvent, RuleInput, RuleResult, RuleState } from './rule-types.ts';
import { streetVending } from './street-vending.ts';

export type CameraRule = (previous: RuleState, input: RuleInput) => RuleResult;

export const CAMERA_RULES: Partial<Record<ViolationType, CameraRule>> = {
  illegal_parking: illegalParking,
  street_vending: streetVending,
};

export type CameraRulesState = Partial<Record<ViolationType, RuleState>>;

export function evaluateCameraRules(previous: CameraRulesState, input: RuleInput): { state: CameraRulesState; events: RuleEvent[] } {
  const state: CameraRulesState = {};
  const events: RuleEvent[] = [];
  for (const [type, rule] of Object.entries(CAMERA_RULES) as Array<[ViolationType, CameraRule]>) {
    const r = rule(previous[type] ?? new Map(), input);
    state[type] = r.state;
    events.push(...r.events);
  }
  return { state, events };
}

/** Tracks whose dwell clock runs in some rule (the worker keeps their first frame as evidence). */
export function candidateStarts(state: CameraRulesState): Map<number, Date> {
  const out = new Map<number, Date>();
  for (const s of Object.values(state)) {
    for (const [id, c] of s ?? []) if (c.zoneId !== '') out.set(id, c.startedAt);
  }
  return out;
}
