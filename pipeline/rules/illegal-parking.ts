// 违停 (机动车乱停放): a vehicle standing still inside an active no_parking zone. Two stages as
// commercial systems do: a warning after `warnAfterSeconds` (an operator may call or announce), a
// violation after `dwellSeconds`. One violation per tracked vehicle, ever: a car that is briefly
// hidden, or that shuffles forward and stops again, is still the same car.
//
// "The same car" is the tracker's judgement (position and look, pipeline/track/) checked once more
// here: on the confirming frame the vehicle must look like it did when first seen still
// (sameVehicleSimilarity) and stand in the zone by its wheels. (Traffic through its place ends a
// still vehicle's track in the tracker: pipeline/track/through-traffic.ts.) A track that splits
// on a parked car does not open a second case: a case already raised for the same place and look
// covers it. The violation says why it was judged parked (attributes.reason).
import type { ParkingRuleSettings } from '../../contracts/camera.ts';
import { similarity } from '../embed/similarity.ts';
import { APPEARANCE_THRESHOLD } from '../track/appearance.ts';
import type { TrackedObject } from '../track/tracked-object.ts';
import { samePlace } from '../track/through-traffic.ts';
import { parkedBecause } from './parking-reason.ts';
import { wheelsInZone, activeForSeconds, DEFAULT_TIMEZONE } from './zones.ts';
import { later, seconds, settingsFor, trackEvent, type Candidate, type RuleEvent, type RuleInput, type RuleResult, type RuleState } from './rule-types.ts';

export const ILLEGAL_PARKING_DEFAULTS: Required<Omit<ParkingRuleSettings, 'warnAfterSeconds'>> & { warnAfterSeconds?: number } = {
  enabled: true,
  /** 5 minutes, the common limit on 禁停 signs; operators may set 10-3600 s. */
  dwellSeconds: 300,
  labels: ['car', 'truck', 'bus', 'motorcycle'],
  sameVehicleSimilarity: APPEARANCE_THRESHOLD,
};

/** Without a setting, warn at 60 s, or halfway for dwells of 2 minutes or less. */
export function defaultWarnAfter(dwellSeconds: number): number {
  return dwellSeconds > 120 ? 60 : dwellSeconds / 2;
}

export function illegalParking(previous: RuleState, input: RuleInput): RuleResult {
  const { now, tracks, camera, frameSize } = input;
  const tz = camera.timezone ?? DEFAULT_TIMEZONE;
  const state = new Map<number, Candidate>();
  const events: RuleEvent[] = [];

  for (const track of tracks) {
    const before = previous.get(track.id);
    // A hidden vehicle keeps its clock (and its "already reported"), but nothing is raised on a
    // frame that does not show it: evidence must show the car.
    if (!track.visible) {
      if (before) state.set(track.id, before);
      continue;
    }
    let candidate: Candidate | undefined;
    for (const zone of camera.zones) {
      if (zone.kind !== 'no_parking') continue;
      const s = settingsFor(ILLEGAL_PARKING_DEFAULTS, 'illegal_parking', camera, zone);
      if (!s.enabled || !s.labels.includes(track.label)) continue;
      if (!track.stationarySince || !wheelsInZone(track.box, zone, frameSize)) continue;
      if (track.appearanceSimilarity !== undefined && track.appearanceSimilarity < s.sameVehicleSimilarity) continue;
      const activeFor = activeForSeconds(zone.schedule, now, tz);
      if (activeFor === null) continue;

      const sameZone = before?.zoneId === zone.id ? before : undefined;
      const windowStart = new Date(now.getTime() - activeFor * 1000);
      const startedAt = sameZone?.startedAt ?? (Number.isFinite(activeFor) ? later(track.stationarySince, windowStart) : track.stationarySince);
      candidate = {
        zoneId: zone.id,
        startedAt,
        warned: sameZone?.warned ?? false,
        violated: before?.violated ?? false,
        heldAt: now,
      };
      const dwell = seconds(startedAt, now);
      const warnAfter = s.warnAfterSeconds ?? defaultWarnAfter(s.dwellSeconds);
      const event = (kind: RuleEvent['kind']): RuleEvent => trackEvent(kind, 'illegal_parking', camera.id, zone.id, track, startedAt, now);
      const due = (!candidate.violated && dwell >= s.dwellSeconds) || (!candidate.warned && !candidate.violated && dwell >= warnAfter);
      if (due && reportedHere(track, zone.id, tracks, previous, s.sameVehicleSimilarity)) {
        // Its case is already open under the track it had before: nothing new to say.
        candidate.warned = true;
        candidate.violated = true;
      } else if (!candidate.violated && dwell >= s.dwellSeconds) {
        // The warning always comes first, even when one frame crosses both limits (the car was
        // first confirmed still late, or frames were sparse): operators see one lifecycle.
        if (!candidate.warned) events.push(event('warning'));
        candidate.violated = true;
        candidate.warned = true;
        events.push({ ...event('violation'), attributes: { reason: parkedBecause(track, startedAt, now, tz) } });
      } else if (!candidate.warned && !candidate.violated && dwell >= warnAfter) {
        candidate.warned = true;
        events.push(event('warning'));
      }
      break;
    }
    if (candidate) state.set(track.id, candidate);
    // Moved off, left the zone, or the sign's hours ended: the clock stops, but a vehicle already
    // reported stays reported for as long as it is tracked.
    else if (before?.violated) state.set(track.id, { ...before, warned: false, startedAt: now, zoneId: '' });
  }
  return { state, events };
}

/**
 * A case already stands for this vehicle: another track, reported in this zone, at the same place
 * and with the same look (or no look to tell). That is one parked car whose track split (a long
 * occlusion, a detector that lost it), not a second car.
 */
function reportedHere(track: TrackedObject, zoneId: string, tracks: readonly TrackedObject[], previous: RuleState, minSimilarity: number): boolean {
  return tracks.some((other) => {
    if (other.id === track.id) return false;
    const c = previous.get(other.id);
    if (!c?.violated || c.zoneId !== zoneId || !samePlace(other.box, track.box)) return false;
    return !other.look || !track.look || similarity(other.look, track.look) >= minSimilarity;
  });
}
