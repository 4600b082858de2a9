// 违停 (机动车乱停放): a vehicle standing still inside an active no_parking zone. Two stages as
// commercial systems do: a warning after `warnAfterSeconds` (an operator may call or announce), a
// violation after `dwellSeconds`. One violation per tracked vehicle, ever: a car that is briefly
// hidden, or that shuffles forward and stops again, is still the same car.
import type { RuleSettings } from '../../contracts/camera.ts';
import { boxInZone, activeForSeconds, DEFAULT_TIMEZONE } from './zones.ts';
import { later, seconds, settingsFor, trackEvent, type Candidate, type RuleEvent, type RuleInput, type RuleResult, type RuleState } from './rule-types.ts';

export const ILLEGAL_PARKING_DEFAULTS: Required<Omit<RuleSettings, 'warnAfterSeconds'>> & { warnAfterSeconds?: number } = {
  enabled: true,
  /** 5 minutes, the common limit on 禁停 signs; operators may set 10-3600 s. */
  dwellSeconds: 300,
  labels: ['car', 'truck', 'bus', 'motorcycle'],
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
      if (!track.stationarySince || !boxInZone(track.box, zone, frameSize)) continue;
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
      if (!candidate.violated && dwell >= s.dwellSeconds) {
        // The warning always comes first, even when one frame crosses both limits (the car was
        // first confirmed still late, or frames were sparse): operators see one lifecycle.
        if (!candidate.warned) events.push(event('warning'));
        candidate.violated = true;
        candidate.warned = true;
        events.push(event('violation'));
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
