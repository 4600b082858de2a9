// Survey areas and zone layers as operators export them from a GIS: GeoJSON Polygon or
// MultiPolygon geometries, bare, in a Feature or in a FeatureCollection, with [lon, lat]
// positions. Every ring goes through the same check as a camera zone (contracts/polygon.ts), so a
// layer the survey worker is given is one it can look points up in. Problems name the field as a
// dotted path from the body (area.coordinates.0.3.1), like the API's schema errors.
import { checkRing, describeValue, MAX_RING_POINTS, type RingRules } from './polygon.ts';

/** Features in one layer; a whole city's parking bays fit, a body past this is a mistake. */
export const MAX_LAYER_FEATURES = 100_000;

export const LON_LAT_RING: RingRules = {
  axes: [
    { min: -180, max: 180, hint: ' (longitude in degrees: GeoJSON positions are [lon, lat])' },
    { min: -90, max: 90, hint: ' (latitude in degrees: GeoJSON positions are [lon, lat])' },
  ],
  closed: true,
  extraCoordinates: 1,
  // About 0.01 m² at the equator: a real footprint is far larger; less is points on one line.
  minArea: 1e-12,
  maxPoints: MAX_RING_POINTS,
};

export class SurveyGeometryError extends Error {
  override name = 'SurveyGeometryError';
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field} ${problem}`);
  }
}

const join = (field: string, ...more: Array<string | number>) => [field, ...more.map(String)].filter((s) => s !== '').join('.');

function fail(field: string, problem: string): never {
  throw new SurveyGeometryError(field, problem);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkRings(rings: unknown, field: string): void {
  if (!Array.isArray(rings) || rings.length === 0) fail(field, `must be a non-empty list of rings (the outline, then any holes), got ${describeValue(rings)}`);
  for (const [r, ring] of (rings as unknown[]).entries()) {
    const checked = checkRing(ring, LON_LAT_RING);
    if ('problem' in checked) fail(join(field, r, ...checked.at), checked.problem);
  }
}

/** A Polygon or MultiPolygon geometry, or SurveyGeometryError naming the field and the problem. */
export function checkPolygonGeometry(value: unknown, field: string): void {
  if (!isRecord(value)) fail(field, `must be a GeoJSON Polygon or MultiPolygon geometry, got ${describeValue(value)}`);
  const g = value as Record<string, unknown>;
  if (g.type === 'Polygon') checkRings(g.coordinates, join(field, 'coordinates'));
  else if (g.type === 'MultiPolygon') {
    const coordinates = join(field, 'coordinates');
    if (!Array.isArray(g.coordinates) || g.coordinates.length === 0) fail(coordinates, `must be a non-empty list of polygons, got ${describeValue(g.coordinates)}`);
    for (const [p, polygon] of (g.coordinates as unknown[]).entries()) checkRings(polygon, join(coordinates, p));
  } else fail(join(field, 'type'), `must be "Polygon" or "MultiPolygon", got ${describeValue(g.type)}`);
}

function checkFeature(value: unknown, field: string): void {
  if (!isRecord(value) || value.type !== 'Feature') fail(field, `must be a GeoJSON Feature with a Polygon or MultiPolygon geometry, got ${describeValue(value)}`);
  const f = value as Record<string, unknown>;
  if (f.id !== undefined && typeof f.id !== 'string' && typeof f.id !== 'number') fail(join(field, 'id'), `must be a string or a number, got ${describeValue(f.id)}`);
  if (f.properties !== undefined && f.properties !== null && !isRecord(f.properties)) fail(join(field, 'properties'), `must be an object or null, got ${describeValue(f.properties)}`);
  checkPolygonGeometry(f.geometry, join(field, 'geometry'));
}

/** A zone layer: a bare geometry, one Feature or a FeatureCollection. */
export function checkPolygonLayer(value: unknown, field: string): void {
  if (!isRecord(value)) fail(field, `must be a GeoJSON Polygon, MultiPolygon, Feature or FeatureCollection, got ${describeValue(value)}`);
  const layer = value as Record<string, unknown>;
  if (layer.type === 'Feature') return checkFeature(layer, field);
  if (layer.type === 'FeatureCollection') {
    const features = join(field, 'features');
    if (!Array.isArray(layer.features)) fail(features, `must be a list of Features, got ${describeValue(layer.features)}`);
    const list = layer.features as unknown[];
    if (list.length > MAX_LAYER_FEATURES) fail(features, `has ${list.length} features; at most ${MAX_LAYER_FEATURES} are taken`);
    list.forEach((f, i) => checkFeature(f, join(features, i)));
    return;
  }
  if (layer.type === 'Polygon' || layer.type === 'MultiPolygon') return checkPolygonGeometry(layer, field);
  fail(join(field, 'type'), `must be one of Polygon, MultiPolygon, Feature, FeatureCollection, got ${describeValue(layer.type)}`);
}
