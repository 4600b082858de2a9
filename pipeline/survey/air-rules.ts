// Violations seen from the air, from located detections and the survey's zone layers. Pure
// functions: no models, no I/O. A single photo shows no dwell time, so a vehicle in a no-parking
// area is reported for a reviewer to judge; the same car in the next overlapping photo, a later
// survey or a street camera folds into the same case through dedupe.
import type { ViolationType } from '../../contracts/types.ts';
import type { LocatedDetection } from '../../contracts/survey.ts';
import { distanceM } from './georeference.ts';
import type { ZoneLayer } from './zone-layers.ts';

export type Located = LocatedDetection & { location: NonNullable<LocatedDetection['location']> };

export interface AirViolation {
  type: ViolationType;
  /** The detections behind it (one vehicle; a vendor and their props). */
  members: Located[];
  location: { lat: number; lon: number; accuracyM: number };
  zone?: string;
  score: number;
  label: string;
}

export interface AirRuleSettings {
  parkingLabels: readonly string[];
  vendingLabels: readonly string[];
  /** Labels a vending cluster must also contain (a person: the vendor). */
  vendingRequires: readonly string[];
  structureLabels: readonly string[];
  /** Objects this close (m) belong to one stall (default 5). */
  clusterM?: number;
}

export function isLocated(d: LocatedDetection): d is Located {
  return d.location !== undefined;
}

/** Vehicles standing inside a no-parking area. */
export function parkingFromAir(detections: readonly Located[], noParking: ZoneLayer, labels: readonly string[]): AirViolation[] {
  const out: AirViolation[] = [];
  for (const d of detections) {
    if (!d.kept || !labels.includes(d.label)) continue;
    const zone = noParking.find(d.location.lon, d.location.lat);
    if (zone) out.push({ type: 'illegal_parking', members: [d], location: d.location, zone: zone.id, score: d.score, label: d.label });
  }
  return out;
}

/**
 * Vending: props (stall, umbrella, table, cart, goods) and people close together on a sidewalk or
 * road. Objects within clusterM of each other chain into one cluster; a cluster is a stall when it
 * has at least one prop and every required label. Placed at the cluster's centroid, with its spread
 * added to the accuracy.
 */
export function vendingFromAir(detections: readonly Located[], sidewalks: ZoneLayer, s: AirRuleSettings): AirViolation[] {
  const near = s.clusterM ?? 5;
  const candidates = detections.filter(
    (d) => d.kept && (s.vendingLabels.includes(d.label) || s.vendingRequires.includes(d.label)) && sidewalks.find(d.location.lon, d.location.lat),
  );
  const clusterOf = candidates.map((_, i) => i);
  const root = (i: number): number => (clusterOf[i] === i ? i : (clusterOf[i] = root(clusterOf[i]!)));
  for (let i = 0; i < candidates.length; i++) {
    for (let j = i + 1; j < candidates.length; j++) {
      if (distanceM(candidates[i]!.location, candidates[j]!.location) <= near) clusterOf[root(i)] = root(j);
    }
  }
  const groups = new Map<number, Located[]>();
  candidates.forEach((d, i) => groups.set(root(i), [...(groups.get(root(i)) ?? []), d]));
  const out: AirViolation[] = [];
  for (const members of groups.values()) {
    const props = members.filter((m) => s.vendingLabels.includes(m.label));
    if (props.length === 0 || !s.vendingRequires.every((l) => members.some((m) => m.label === l))) continue;
    const lat = members.reduce((a, m) => a + m.location.lat, 0) / members.length;
    const lon = members.reduce((a, m) => a + m.location.lon, 0) / members.length;
    const spread = Math.max(...members.map((m) => distanceM({ lat, lon }, m.location)));
    const accuracyM = Math.max(...members.map((m) => m.location.accuracyM)) + spread;
    const best = props.reduce((a, b) => (b.score > a.score ? b : a));
    out.push({ type: 'street_vending', members, location: { lat, lon, accuracyM }, zone: sidewalks.find(lon, lat)?.id ?? sidewalks.find(best.location.lon, best.location.lat)?.id, score: best.score, label: best.label });
  }
  return out;
}

/** Structures standing outside every footprint of the permitted-building registry. */
export function constructionFromAir(detections: readonly Located[], permitted: ZoneLayer, labels: readonly string[]): AirViolation[] {
  return detections
    .filter((d) => d.kept && labels.includes(d.label) && !permitted.find(d.location.lon, d.location.lat))
    .map((d) => ({ type: 'illegal_construction' as const, members: [d], location: d.location, score: d.score, label: d.label }));
}
