// Why a vehicle was judged parked, in the words a reviewer checks at a glance: "same vehicle,
// similarity 0.93, still from 10:00:03 to 10:05:04" (camera's local time).
import type { TrackedObject } from '../track/tracked-object.ts';

const formatters = new Map<string, Intl.DateTimeFormat>();

export function localClock(at: Date, timeZone: string): string {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f.format(at);
}

export function parkedBecause(track: Pick<TrackedObject, 'appearanceSimilarity'>, startedAt: Date, now: Date, timeZone: string): string {
  const still = `still from ${localClock(startedAt, timeZone)} to ${localClock(now, timeZone)}`;
  return track.appearanceSimilarity === undefined
    ? `same place (no appearance model), ${still}`
    : `same vehicle, similarity ${track.appearanceSimilarity.toFixed(2)}, ${still}`;
}
