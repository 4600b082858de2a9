// A survey's zone layers (GeoJSON polygons in lon/lat) as something a ground point can be looked
// up in: which no-parking area, sidewalk or permitted footprint it falls in, if any. Holes count:
// a courtyard cut out of a no-parking polygon is not no-parking.
import type { PolygonGeometry, PolygonLayer, Position } from '../../contracts/survey.ts';
import { pointInPolygon } from '../rules/zones.ts';

export interface ZoneArea {
  id: string;
  /** Each polygon: outer ring, then holes. */
  polygons: Position[][][];
}

export interface ZoneLayer {
  areas: ZoneArea[];
  /** The area a point (lon, lat) is in, or undefined. */
  find(lon: number, lat: number): ZoneArea | undefined;
}

export function zoneLayer(layer: PolygonLayer | undefined, name: string): ZoneLayer {
  const areas: ZoneArea[] = [];
  const add = (geometry: PolygonGeometry, id: string) => {
    areas.push({ id, polygons: geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates });
  };
  if (layer) {
    if (layer.type === 'FeatureCollection') layer.features.forEach((f, i) => add(f.geometry, featureId(f.id, f.properties, `${name}-${i + 1}`)));
    else if (layer.type === 'Feature') add(layer.geometry, featureId(layer.id, layer.properties, `${name}-1`));
    else add(layer, `${name}-1`);
  }
  return {
    areas,
    find: (lon, lat) => areas.find((a) => a.polygons.some((rings) => inPolygonWithHoles([lon, lat], rings))),
  };
}

function featureId(id: unknown, properties: Record<string, unknown> | null | undefined, fallback: string): string {
  const named = id ?? properties?.id ?? properties?.name;
  return typeof named === 'string' || typeof named === 'number' ? String(named) : fallback;
}

function inPolygonWithHoles(point: [number, number], rings: Position[][]): boolean {
  const [outer, ...holes] = rings;
  if (!outer || !pointInPolygon(point, outer)) return false;
  return !holes.some((h) => pointInPolygon(point, h));
}
