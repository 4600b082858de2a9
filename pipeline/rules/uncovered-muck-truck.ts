// 渣土车未覆盖: a truck whose cargo bed is uncovered. The detector finds the truck, a crop
// classifier (manifest kind `classifier`, attribute `cover`) says covered/uncovered on each
// sighting, and this rule decides:
//
// - `uncoveredFrames` of the last `ofLastFrames` sightings must say uncovered (default 3 of 5): one
//   frame where the tarpaulin flaps up, or a bad crop, is not a violation.
// - The sighting that raises it must itself say uncovered: the evidence frame shows the open bed.
// - No dwell and no zone: the violation is driving uncovered, so a moving truck counts as much as
//   a parked one. (A zone the truck is in is named on the event, when there is one.)
// - One violation per track; the plate, when read, lets dedupe join sightings across cameras.
//
// Needs the tracker to keep each detection's `attributes` in the track's history.
import type { RuleSettings } from '../../contracts/camera.ts';
import { trackEvent, type Candidate, type RuleEvent, type RuleInput, type RuleResult, type RuleState } from './rule-types.ts';
import { boxInZone } from './zones.ts';

export interface UncoveredMuckTruckSettings {
  enabled: boolean;
  /** Detector labels that are muck trucks (COCO has only "truck"; a city model may say "muck truck"). */
  labels: string[];
  /** The classifier attribute and the value that means uncovered. */
  attribute: string;
  value: string;
  uncoveredFrames: number;
  ofLastFrames: number;
}

export const UNCOVERED_MUCK_TRUCK_DEFAULTS: UncoveredMuckTruckSettings = {
  enabled: true,
  labels: ['truck', 'muck truck', 'dump truck'],
  attribute: 'cover',
  value: 'uncovered',
  uncoveredFrames: 3,
  ofLastFrames: 5,
};

/**
 * `settings` are usually models/violation-labels.json's `uncovered_muck_truck` entry; the camera's
 * own `rules.uncovered_muck_truck` (enabled, labels) overrides them.
 */
export function uncoveredMuckTruck(
  previous: RuleState,
  input: RuleInput,
  settings: Partial<UncoveredMuckTruckSettings> = {},
): RuleResult {
  const { now, tracks, camera, frameSize } = input;
  const cameraSettings: RuleSettings = camera.rules?.uncovered_muck_truck ?? {};
  const s: UncoveredMuckTruckSettings = {
    ...UNCOVERED_MUCK_TRUCK_DEFAULTS,
    ...settings,
    ...(cameraSettings.enabled !== undefined ? { enabled: cameraSettings.enabled } : {}),
    ...(cameraSettings.labels ? { labels: cameraSettings.labels } : {}),
  };
  const state = new Map<number, Candidate>();
  const events: RuleEvent[] = [];
  if (!s.enabled) return { state, events };

  for (const track of tracks) {
    const before = previous.get(track.id);
    // Reported once: the same truck stays reported for as long as it is tracked.
    if (before?.violated || !track.visible || !s.labels.includes(track.label)) {
      if (before) state.set(track.id, before);
      continue;
    }
    const recent = track.history.slice(-s.ofLastFrames);
    const uncovered = recent.filter((h) => h.attributes?.[s.attribute] === s.value);
    if (uncovered.length === 0) continue;
    const latest = track.history.at(-1)!;
    const candidate: Candidate = { zoneId: '', startedAt: uncovered[0]!.at, warned: false, violated: false, heldAt: now };
    if (uncovered.length >= s.uncoveredFrames && latest.attributes?.[s.attribute] === s.value) {
      candidate.violated = true;
      const attributes = latest.attributes!;
      const coverScore = attributes[`${s.attribute}Score`];
      const zoneId = camera.zones.find((z) => boxInZone(track.box, z, frameSize))?.id ?? '';
      const event = trackEvent('violation', 'uncovered_muck_truck', camera.id, zoneId, track, candidate.startedAt, now);
      // Both stages must be right: the weaker of "it is a truck" and "it is uncovered".
      if (typeof coverScore === 'number') event.score = Math.min(track.score, coverScore);
      event.attributes = { ...attributes };
      events.push(event);
    }
    state.set(track.id, candidate);
  }
  return { state, events };
}
