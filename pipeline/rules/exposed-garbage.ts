// 暴露垃圾: garbage lying in view of a camera. Needs a garbage detector (none ships with the
// product: see models/README.md), whose labels models/violation-labels.json maps to this type.
//
// - Only piles at least `minAreaRatio` of the frame count: a cigarette packet is litter for the
//   street sweeper, not a case.
// - It must stay `persistSeconds` (default 60): a bag someone carries past, or sets down while
//   opening a door, is gone before then. The clock runs while the object is stationary and big
//   enough; it restarts if the object moves (someone is carrying it).
// - One violation per tracked pile. Anywhere in the frame; a zone it lies in is named on the event.
import { later, seconds, trackEvent, type Candidate, type RuleEvent, type RuleInput, type RuleResult, type RuleState } from './rule-types.ts';
import { boxInZone } from './zones.ts';

export interface ExposedGarbageSettings {
  enabled: boolean;
  labels: string[];
  /** Smallest box, as a fraction of the frame area (0.0005 is about 40x20 pixels at 1280x720). */
  minAreaRatio: number;
  persistSeconds: number;
}

export const EXPOSED_GARBAGE_DEFAULTS: ExposedGarbageSettings = {
  enabled: true,
  labels: ['garbage', 'garbage pile', 'trash', 'litter'],
  minAreaRatio: 0.0005,
  persistSeconds: 60,
};

/** `settings` are usually models/violation-labels.json's `exposed_garbage` entry; the camera's `rules.exposed_garbage` overrides them. */
export function exposedGarbage(previous: RuleState, input: RuleInput, settings: Partial<ExposedGarbageSettings> = {}): RuleResult {
  const { now, tracks, camera, frameSize } = input;
  const cameraSettings = camera.rules?.exposed_garbage ?? {};
  const s: ExposedGarbageSettings = {
    ...EXPOSED_GARBAGE_DEFAULTS,
    ...settings,
    ...(cameraSettings.enabled !== undefined ? { enabled: cameraSettings.enabled } : {}),
    ...(cameraSettings.labels ? { labels: cameraSettings.labels } : {}),
    ...(cameraSettings.dwellSeconds !== undefined ? { persistSeconds: cameraSettings.dwellSeconds } : {}),
  };
  const state = new Map<number, Candidate>();
  const events: RuleEvent[] = [];
  if (!s.enabled) return { state, events };
  const minArea = s.minAreaRatio * frameSize.width * frameSize.height;

  for (const track of tracks) {
    const before = previous.get(track.id);
    if (!s.labels.includes(track.label)) continue;
    // Hidden (someone stands in front of it): the clock keeps running, nothing is raised.
    if (before?.violated || !track.visible) {
      if (before) state.set(track.id, before);
      continue;
    }
    // Moving: being carried, so whatever clock it had is dropped.
    if (!track.stationarySince) continue;
    const [x1, y1, x2, y2] = track.box;
    // One small box (a person in front of half the pile) neither starts nor stops the clock.
    if ((x2 - x1) * (y2 - y1) < minArea) {
      if (before) state.set(track.id, before);
      continue;
    }
    // A clock that started before the object last came to rest belongs to an earlier resting place.
    const startedAt = before ? later(before.startedAt, track.stationarySince) : now;
    const candidate: Candidate = { zoneId: '', startedAt, warned: false, violated: false, heldAt: now };
    if (seconds(startedAt, now) >= s.persistSeconds) {
      candidate.violated = true;
      const zoneId = camera.zones.find((z) => boxInZone(track.box, z, frameSize))?.id ?? '';
      const event = trackEvent('violation', 'exposed_garbage', camera.id, zoneId, track, startedAt, now);
      events.push(event);
    }
    state.set(track.id, candidate);
  }
  return { state, events };
}
