// Drone surveys on the map: the area flown, each geolocated image's footprint on the ground (its
// corners and edges put through the same georeferencing the worker used for detections), the
// detections the worker placed (candidates: kept ones could become cases, dropped ones are drawn
// faintly by the page), and the survey's zone layers (no-parking, sidewalks, permitted buildings).
import type { PolygonLayer, SurveyImageResult, SurveyZones } from '../../contracts/survey.ts';
import { cameraPose, pixelToGround, type CameraPose } from '../../pipeline/survey/georeference.ts';
import type { SurveyImageRecord, SurveyRecord } from '../survey/store.ts';
import { point, polygon, type Feature, type LonLat } from './geojson.ts';

/** Points per image edge: enough to show an oblique footprint's curve-free trapezoid and its clipping. */
const EDGE_STEPS = 8;
/** A footprint edge further than this many flight heights is the sky side of an oblique shot: cut there. */
const MAX_RANGE_HEIGHTS = 10;

export function surveyAreaFeatures(survey: SurveyRecord): Feature[] {
  if (!survey.area) return [];
  const props = { kind: 'survey-area', surveyId: survey.id, name: survey.name, flownAt: survey.flownAt };
  return [{ type: 'Feature', geometry: survey.area as Feature['geometry'], properties: props }];
}

function poseOf(result: SurveyImageResult, image: Pick<SurveyImageRecord, 'width' | 'height'>): CameraPose | undefined {
  const t = result.telemetry;
  if (!t?.read) return undefined;
  // The worker's telemetry report is free-form past `read`: one odd value must not put NaN on the map.
  const numbers = [t.lat, t.lon, t.relativeAltitudeM, t.gimbalPitchDeg, t.yawDeg, t.focalLengthPx];
  if (!numbers.every((v) => v === undefined || (typeof v === 'number' && Number.isFinite(v)))) return undefined;
  const pose = cameraPose(
    { lat: t.lat, lon: t.lon, relativeAltitudeM: t.relativeAltitudeM, gimbalPitchDeg: t.gimbalPitchDeg, gimbalYawDeg: t.yawDeg },
    t.focalLengthPx,
    result.width ?? image.width,
    result.height ?? image.height,
  );
  return typeof pose === 'string' ? undefined : pose;
}

/** The image's outline on the ground, walking its edges clockwise from the top-left corner. */
export function footprint(pose: CameraPose): LonLat[] | undefined {
  const { imageWidth: w, imageHeight: h } = pose;
  const edge: Array<[number, number]> = [];
  for (let i = 0; i < EDGE_STEPS; i++) edge.push([(w * i) / EDGE_STEPS, 0]);
  for (let i = 0; i < EDGE_STEPS; i++) edge.push([w, (h * i) / EDGE_STEPS]);
  for (let i = 0; i < EDGE_STEPS; i++) edge.push([w - (w * i) / EDGE_STEPS, h]);
  for (let i = 0; i < EDGE_STEPS; i++) edge.push([0, h - (h * i) / EDGE_STEPS]);
  const ring: LonLat[] = [];
  for (const [x, y] of edge) {
    const g = pixelToGround(pose, x, y);
    if (g && Math.hypot(g.eastM, g.northM) <= MAX_RANGE_HEIGHTS * pose.heightM) ring.push([g.lon, g.lat]);
  }
  return ring.length >= 3 ? ring : undefined;
}

export function imageFeatures(surveyId: string, image: Pick<SurveyImageRecord, 'sha256' | 'fileName' | 'width' | 'height' | 'result'>): Feature[] {
  const result = image.result;
  if (!result || result.status !== 'done') return [];
  const base = { surveyId, image: image.sha256, fileName: image.fileName };
  const out: Feature[] = [];
  const pose = poseOf(result, image);
  const ring = pose && footprint(pose);
  if (ring) out.push(polygon(ring, { ...base, kind: 'footprint', capturedAt: result.telemetry?.capturedAt ?? null }));
  for (const d of result.detections ?? []) {
    if (!d.location) continue;
    out.push(point(d.location.lon, d.location.lat, { ...base, kind: 'candidate', label: d.label, score: d.score, kept: d.kept, dropped: d.dropped ?? null, accuracyM: d.location.accuracyM }));
  }
  return out;
}

function layerFeatures(layer: PolygonLayer): Array<{ geometry: Feature['geometry']; properties: Record<string, unknown> }> {
  if (layer.type === 'FeatureCollection') return layer.features.map((f) => ({ geometry: f.geometry as Feature['geometry'], properties: { ...(f.properties ?? {}), featureId: f.id ?? null } }));
  if (layer.type === 'Feature') return [{ geometry: layer.geometry as Feature['geometry'], properties: { ...(layer.properties ?? {}), featureId: layer.id ?? null } }];
  return [{ geometry: layer as Feature['geometry'], properties: {} }];
}

export function zoneFeatures(survey: Pick<SurveyRecord, 'id' | 'name' | 'zones'>): Feature[] {
  const zones: SurveyZones = survey.zones ?? {};
  return (['noParking', 'sidewalks', 'permittedBuildings'] as const).flatMap((layer) => {
    const l = zones[layer];
    if (!l) return [];
    return layerFeatures(l).map((f) => ({ type: 'Feature' as const, geometry: f.geometry, properties: { ...f.properties, kind: 'zone', layer, surveyId: survey.id, surveyName: survey.name } }));
  });
}
