// Which change candidates are illegal construction: those large enough to matter and standing
// outside the permitted-building registry. A candidate counts as inside a permitted footprint when
// most of its ground is (an extension of a permitted building sticks out of it: that part is what
// the candidate outline then mostly is, so it stays a case). Pure: no I/O.
import { pointInPolygon } from '../rules/zones.ts';
import type { ZoneLayer } from '../survey/zone-layers.ts';
import type { OrthoCandidate } from './compare-orthomosaics.ts';

export interface ConstructionRuleSettings {
  /** Smallest candidate that becomes a case, m² (a garden shed is about 6 m², a room added on a roof 15–20). */
  minAreaM2: number;
  /** Share of a candidate's ground inside permitted footprints at which it is taken as permitted. */
  maxPermittedShare: number;
}

export const DEFAULT_CONSTRUCTION_RULE: ConstructionRuleSettings = { minAreaM2: 20, maxPermittedShare: 0.5 };

export interface Judged {
  candidate: OrthoCandidate;
  /** Share of its ground inside the permitted-building layer, 0–1. */
  permittedShare: number;
  /** Why it is not a case; absent for a case. */
  dropped?: string;
}

export function judgeCandidates(candidates: readonly OrthoCandidate[], permitted: ZoneLayer, settings: Partial<ConstructionRuleSettings> = {}): Judged[] {
  const s = { ...DEFAULT_CONSTRUCTION_RULE, ...settings };
  return candidates.map((candidate) => {
    const permittedShare = shareInside(candidate.polygon, permitted);
    const dropped =
      candidate.areaM2 < s.minAreaM2
        ? `${candidate.areaM2.toFixed(1)} m² is below the minimum of ${s.minAreaM2} m²`
        : permittedShare >= s.maxPermittedShare
          ? `${Math.round(permittedShare * 100)}% of it lies in a permitted building footprint`
          : undefined;
    return { candidate, permittedShare, ...(dropped ? { dropped } : {}) };
  });
}

const SAMPLES = 12;

/** Share of the polygon's ground in the layer, from a lattice of points over it (small polygons are a few metres: a 12 × 12 lattice is plenty). */
export function shareInside(polygon: readonly [number, number][], layer: ZoneLayer): number {
  if (layer.areas.length === 0) return 0;
  const lons = polygon.map((p) => p[0]), lats = polygon.map((p) => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...lons), Math.max(...lons), Math.min(...lats), Math.max(...lats)];
  let total = 0, inside = 0;
  for (let j = 0; j < SAMPLES; j++) {
    for (let i = 0; i < SAMPLES; i++) {
      const p: [number, number] = [x0 + ((i + 0.5) / SAMPLES) * (x1 - x0), y0 + ((j + 0.5) / SAMPLES) * (y1 - y0)];
      if (!pointInPolygon(p, polygon)) continue;
      total++;
      if (layer.find(p[0], p[1])) inside++;
    }
  }
  if (total === 0) {
    // A sliver no lattice point falls in: judged by its centre.
    const c: [number, number] = [(x0 + x1) / 2, (y0 + y1) / 2];
    return layer.find(c[0], c[1]) ? 1 : 0;
  }
  return inside / total;
}
