// The few GeoJSON shapes the map layers are made of ([lon, lat] positions, as GIS tools expect).
export type LonLat = [number, number];

export interface Feature {
  type: 'Feature';
  id?: string | number;
  geometry: { type: 'Point'; coordinates: LonLat } | { type: 'Polygon'; coordinates: LonLat[][] } | { type: 'MultiPolygon'; coordinates: LonLat[][][] };
  properties: Record<string, unknown>;
}

export interface Collection {
  type: 'FeatureCollection';
  features: Feature[];
}

export const collection = (features: Feature[]): Collection => ({ type: 'FeatureCollection', features });

export function point(lon: number, lat: number, properties: Record<string, unknown>): Feature {
  return { type: 'Feature', geometry: { type: 'Point', coordinates: [lon, lat] }, properties };
}

/** A closed ring polygon from its corners (the first corner is repeated at the end). */
export function polygon(corners: LonLat[], properties: Record<string, unknown>): Feature {
  return { type: 'Feature', geometry: { type: 'Polygon', coordinates: [[...corners, corners[0]!]] }, properties };
}

/** Convex hull (monotone chain), counter-clockwise, of points in [lon, lat]. */
export function convexHull(points: LonLat[]): LonLat[] {
  const p = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (p.length < 3) return p;
  const cross = (o: LonLat, a: LonLat, b: LonLat) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: LonLat[] = [];
  for (const q of p) {
    while (lower.length >= 2 && cross(lower[lower.length - 2]!, lower[lower.length - 1]!, q) <= 0) lower.pop();
    lower.push(q);
  }
  const upper: LonLat[] = [];
  for (const q of [...p].reverse()) {
    while (upper.length >= 2 && cross(upper[upper.length - 2]!, upper[upper.length - 1]!, q) <= 0) upper.pop();
    upper.push(q);
  }
  return [...lower.slice(0, -1), ...upper.slice(0, -1)];
}
