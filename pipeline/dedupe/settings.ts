// How close two sightings must be to count as one violation, per type. Camera sightings match by
// box overlap in the same camera and zone; geolocated ones (drone surveys) by distance. Both only
// within a time window after the last sighting, which slides: a car seen every few minutes stays
// one case for as long as it stays. Defaults are a starting point; pass your own per deployment.
import type { ViolationType } from '../../contracts/types.ts';

export interface DedupeRule {
  /** Geolocated sightings within this distance are the same violation. */
  radiusM: number;
  /** A sighting more than this long after the last one of a violation starts a new one. */
  windowSeconds: number;
  /** Camera sightings whose boxes overlap at least this much (IoU) are the same violation. */
  minIou: number;
}

export type DedupeSettings = Record<ViolationType, DedupeRule>;

export const DEFAULT_DEDUPE: DedupeSettings = {
  // A parked car: GPS of a drone photo is good to a few metres; a car is 5 m long.
  illegal_parking: { radiusM: 10, windowSeconds: 30 * 60, minIou: 0.5 },
  // A garbage heap stays until it is cleared, often a day or more.
  exposed_garbage: { radiusM: 15, windowSeconds: 24 * 3600, minIou: 0.5 },
  // A stall spreads over a few metres and packs up within hours.
  street_vending: { radiusM: 20, windowSeconds: 2 * 3600, minIou: 0.5 },
  // A structure is there for months; surveys of one area are weeks apart.
  illegal_construction: { radiusM: 30, windowSeconds: 90 * 86400, minIou: 0.5 },
  // A truck moves on; only sightings close in time and place are one.
  uncovered_muck_truck: { radiusM: 50, windowSeconds: 10 * 60, minIou: 0.5 },
};
