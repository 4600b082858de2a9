// All camera rules of one camera, evaluated together on one detector pass. Adding a violation type
// is one more file with the same signature and one line here.
//
// 暴露垃圾 and 渣土车未覆盖 take their settings (labels, minimum area, persistence, the classifier
// attribute and how many sightings must say "uncovered") from models/violation-labels.json; a
// camera's own rules.<type> overrides them. Without a model that finds garbage or classifies truck
// covers they never fire: their labels or attributes simply never appear.
import type { ViolationType } from '../../contracts/types.ts';
import type { ViolationLabels } from '../../models/violation-labels.ts';
import { exposedGarbage, type ExposedGarbageSettings } from './exposed-garbage.ts';
import { illegalParking } from './illegal-parking.ts';
import type { RuleEvent, RuleInput, RuleResult, RuleState } from './rule-types.ts';
import { streetVending } from './street-vending.ts';
import { uncoveredMuckTruck, type UncoveredMuckTruckSettings } from './uncovered-muck-truck.ts';

/** Settings of the model-driven rules, usually from violation-labels.json (cameraRuleSettings). */
export interface CameraRuleSettings {
  exposed_garbage?: Partial<ExposedGarbageSettings>;
  uncovered_muck_truck?: Partial<UncoveredMuckTruckSettings>;
}

export type CameraRule = (previous: RuleState, input: RuleInput, settings: CameraRuleSettings) => RuleResult;

export const CAMERA_RULES: Partial<Record<ViolationType, CameraRule>> = {
  illegal_parking: illegalParking,
  street_vending: streetVending,
  exposed_garbage: (previous, input, settings) => exposedGarbage(previous, input, settings.exposed_garbage),
  uncovered_muck_truck: (previous, input, settings) => uncoveredMuckTruck(previous, input, settings.uncovered_muck_truck),
};

export type CameraRulesState = Partial<Record<ViolationType, RuleState>>;

export function evaluateCameraRules(
  previous: CameraRulesState,
  input: RuleInput,
  settings: CameraRuleSettings = {},
): { state: CameraRulesState; events: RuleEvent[] } {
  const state: CameraRulesState = {};
  const events: RuleEvent[] = [];
  for (const [type, rule] of Object.entries(CAMERA_RULES) as Array<[ViolationType, CameraRule]>) {
    const r = rule(previous[type] ?? new Map(), input, settings);
    state[type] = r.state;
    events.push(...r.events);
  }
  return { state, events };
}

/** The model-driven rules' settings from the label → violation mapping (models/violation-labels.json). */
export function cameraRuleSettings(mapping: ViolationLabels): CameraRuleSettings {
  const out: CameraRuleSettings = {};
  const g = mapping.types.exposed_garbage;
  if (g) {
    out.exposed_garbage = {
      labels: g.labels,
      ...(g.minAreaRatio !== undefined ? { minAreaRatio: g.minAreaRatio } : {}),
      ...(g.persistSeconds !== undefined ? { persistSeconds: g.persistSeconds } : {}),
    };
  }
  const t = mapping.types.uncovered_muck_truck;
  if (t) {
    out.uncovered_muck_truck = {
      labels: t.labels,
      ...(t.attribute !== undefined ? { attribute: t.attribute } : {}),
      ...(t.value !== undefined ? { value: t.value } : {}),
      ...(t.uncoveredFrames !== undefined ? { uncoveredFrames: t.uncoveredFrames } : {}),
      ...(t.ofLastFrames !== undefined ? { ofLastFrames: t.ofLastFrames } : {}),
    };
  }
  return out;
}

/** Labels the model-driven rules look at, so the camera tracks those detections too. */
export function ruleSettingLabels(settings: CameraRuleSettings): string[] {
  return [...(settings.exposed_garbage?.labels ?? []), ...(settings.uncovered_muck_truck?.labels ?? [])];
}

/** Tracks whose dwell clock runs in some rule (the worker keeps their first frame as evidence). */
export function candidateStarts(state: CameraRulesState): Map<number, Date> {
  const out = new Map<number, Date>();
  for (const s of Object.values(state)) {
    for (const [id, c] of s ?? []) if (c.zoneId !== '') out.set(id, c.startedAt);
  }
  return out;
}
