// 占道经营: vendors with their stall staying on a sidewalk or roadway. Seen as vending props (an
// umbrella, a table, chairs, goods, a cart) standing still inside an active sidewalk/roadway zone
// with a person standing by them, for `dwellSeconds` (default 120 s).
//
// - People walking through never trigger it: only stationary people attend a stall, and a prop a
//   walker carries (a suitcase) moves with them, so it is not stationary either.
// - A vendor steps away for a while: the stall keeps its clock for ATTEND_GRACE_SECONDS (at most
//   half the dwell).
// - A stall is several props; the first one to be confirmed reports the stall, and the props
//   around it are counted as reported too, so one stall raises one violation.
// - A stall is where it touches the ground (stall-placement.ts): its people's feet, a table's legs,
//   the pavement under an umbrella; never the bottom of an umbrella's box in the air.
// - "bench" is in the COCO list the issue names, but a bench is also street furniture with people
//   resting on it; zones over benches should set labels without it.
import type { RuleSettings } from '../../contracts/camera.ts';
import { grow, intersection, union } from '../track/box-overlap.ts';
import type { TrackedObject } from '../track/tracked-object.ts';
import { stallGroundPoints, standsAt } from './stall-placement.ts';
import { activeForSeconds, DEFAULT_TIMEZONE, standsInZone } from './zones.ts';
import { later, seconds, settingsFor, type Candidate, type RuleEvent, type RuleInput, type RuleResult, type RuleState } from './rule-types.ts';

export const STREET_VENDING_DEFAULTS: Required<Omit<RuleSettings, 'warnAfterSeconds'>> & { warnAfterSeconds?: number } = {
  enabled: true,
  dwellSeconds: 120,
  /** Vending props: COCO's, then labels a stall model may have. */
  labels: ['umbrella', 'dining table', 'chair', 'bench', 'suitcase', 'stall', 'cart', 'vending cart', 'goods', 'tricycle'],
};

export const VENDOR_LABELS = ['person'];
/**
 * A vendor who steps away this long (scene seconds) does not restart the stall's clock, up to half
 * the dwell: with a short dwell, two passers-by pausing by a parasol seconds apart are no vendor.
 */
export const ATTEND_GRACE_SECONDS = 60;

/** A person attends a prop when they stand at it, on the same ground (stall-placement.ts). */
export function attends(person: TrackedObject, prop: Pick<TrackedObject, 'label' | 'box'>): boolean {
  return standsAt(person.box, prop);
}

/**
 * Since when a person has been seen without a gap longer than `gap` seconds, as far as the track's
 * history goes. A vendor is seen at the stall pass after pass; a "still person" made of passers-by
 * the tracker joined at one spot is seen once in a while.
 */
export function seenSince(track: Pick<TrackedObject, 'history' | 'lastSeen'>, gap: number): Date {
  const h = track.history;
  let i = h.length - 1;
  while (i > 0 && seconds(h[i - 1]!.at, h[i]!.at) <= gap) i--;
  return h[i]?.at ?? track.lastSeen;
}

export function streetVending(previous: RuleState, input: RuleInput): RuleResult {
  const { now, tracks, camera, frameSize } = input;
  const tz = camera.timezone ?? DEFAULT_TIMEZONE;
  const state = new Map<number, Candidate>();
  const events: RuleEvent[] = [];
  const vendors = tracks.filter((t) => VENDOR_LABELS.includes(t.label) && t.stationarySince && t.visible);
  const reportedNow = new Set<number>();
  const warnedNow = new Set<number>();

  for (const prop of tracks) {
    const before = previous.get(prop.id);
    if (!prop.visible) {
      if (before) state.set(prop.id, before);
      continue;
    }
    let candidate: Candidate | undefined;
    const people = vendors.filter((p) => attends(p, prop));
    const footing = stallGroundPoints(prop, people);
    for (const zone of camera.zones) {
      if (zone.kind !== 'sidewalk' && zone.kind !== 'roadway') continue;
      const s = settingsFor(STREET_VENDING_DEFAULTS, 'street_vending', camera, zone);
      if (!s.enabled || !s.labels.includes(prop.label)) continue;
      if (!prop.stationarySince || !footing.some((point) => standsInZone(point, zone, frameSize))) continue;
      const activeFor = activeForSeconds(zone.schedule, now, tz);
      if (activeFor === null) continue;

      const grace = Math.min(ATTEND_GRACE_SECONDS, s.dwellSeconds / 2);
      const sameZone = before?.zoneId === zone.id ? before : undefined;
      // Left unattended for longer than the grace (perhaps while the prop itself was hidden): the
      // stall's clock starts again when someone stands at it, whatever the tracks say.
      const stale = sameZone !== undefined && seconds(sameZone.heldAt, now) > grace;
      const running = stale ? undefined : sameZone;
      const held = people.length > 0;
      const lastHeld = held ? now : running?.heldAt;
      // Unattended for too long (or never): a prop alone is not a stall.
      if (!lastHeld || seconds(lastHeld, now) > grace) {
        if (before?.violated) candidate = { ...before, zoneId: zone.id, startedAt: now, heldAt: before.heldAt, warned: false };
        break;
      }
      let startedAt = running?.startedAt;
      if (!startedAt) {
        // The stall began when both the prop and its vendor stood there, and the zone was active.
        startedAt = stale ? now : people.reduce((t, p) => later(t, later(p.stationarySince!, seenSince(p, grace))), prop.stationarySince);
        if (Number.isFinite(activeFor)) startedAt = later(startedAt, new Date(now.getTime() - activeFor * 1000));
      }
      candidate = {
        zoneId: zone.id,
        startedAt,
        warned: running?.warned ?? false,
        violated: (before?.violated ?? false) || reportedNow.has(prop.id),
        heldAt: lastHeld,
      };
      const dwell = seconds(startedAt, now);
      const box = people.reduce((b, p) => union(b, p.box), prop.box);
      const event = (kind: RuleEvent['kind']): RuleEvent => ({
        kind,
        type: 'street_vending',
        cameraId: camera.id,
        zoneId: zone.id,
        trackId: prop.id,
        label: prop.label,
        startedAt: startedAt!,
        at: now,
        box,
        score: Math.min(prop.score, ...people.map((p) => p.score)),
        relatedTrackIds: people.map((p) => p.id),
      });
      // The other props of this stall share what this one raises.
      const stallMates = () => {
        const area = grow(box, (box[2] - box[0]) * 0.25, (box[3] - box[1]) * 0.25);
        return tracks.filter((o) => o.id !== prop.id && s.labels.includes(o.label) && intersection(o.box, area) > 0).map((o) => o.id);
      };
      if (held && !candidate.violated && dwell >= s.dwellSeconds) {
        if (s.warnAfterSeconds !== undefined && !candidate.warned && !warnedNow.has(prop.id)) events.push(event('warning'));
        candidate.violated = true;
        candidate.warned = true;
        for (const id of stallMates()) reportedNow.add(id);
        events.push(event('violation'));
      } else if (held && s.warnAfterSeconds !== undefined && !candidate.warned && !candidate.violated && !warnedNow.has(prop.id) && dwell >= s.warnAfterSeconds) {
        candidate.warned = true;
        for (const id of stallMates()) warnedNow.add(id);
        events.push(event('warning'));
      }
      if (warnedNow.has(prop.id)) candidate.warned = true;
      break;
    }
    if (candidate) state.set(prop.id, candidate);
    else if (before?.violated || reportedNow.has(prop.id)) {
      state.set(prop.id, { zoneId: '', startedAt: now, warned: false, violated: true, heldAt: before?.heldAt ?? now });
    }
  }
  // Props already passed in this loop but reported by a later one.
  for (const id of reportedNow) {
    const c = state.get(id);
    if (c) state.set(id, { ...c, violated: true, warned: true });
  }
  for (const id of warnedNow) {
    const c = state.get(id);
    if (c) state.set(id, { ...c, warned: true });
  }
  return { state, events };
}
