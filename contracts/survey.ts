// The drone survey contract between the API (single writer of surveys) and the survey worker:
// what an operator creates, the zone layers a survey is judged against, and the per-image result
// the worker reports back with PUT /v1/surveys/:id/images/:sha256/result.
import type { Box, ViolationType } from './types.ts';
import { VIOLATION_TYPES } from './case.ts';

/** GeoJSON geometry as operators export it from a GIS: [lon, lat] positions. */
export type Position = [number, number];
export type PolygonGeometry = { type: 'Polygon'; coordinates: Position[][] } | { type: 'MultiPolygon'; coordinates: Position[][][] };
export interface PolygonFeature {
  type: 'Feature';
  id?: string | number;
  geometry: PolygonGeometry;
  properties?: Record<string, unknown> | null;
}
export interface FeatureCollection {
  type: 'FeatureCollection';
  features: PolygonFeature[];
}
/** A layer may be a bare polygon, one feature or a collection. */
export type PolygonLayer = PolygonGeometry | PolygonFeature | FeatureCollection;

/** The ground truths a survey's detections are judged against. */
export interface SurveyZones {
  /** Where a vehicle standing is illegal parking. */
  noParking?: PolygonLayer;
  /** Sidewalks and roads: vending there is 占道经营. */
  sidewalks?: PolygonLayer;
  /** The permitted-building registry: a structure outside every footprint is a suspect 违法建筑. */
  permittedBuildings?: PolygonLayer;
}

export interface SurveyInput {
  name: string;
  /** The area flown (for the map and the report). */
  area?: PolygonGeometry;
  operator?: string;
  /** ISO 8601: when the survey was flown; images without a usable capture time get this one. */
  flownAt: string;
  /** Height above ground the drone flew at, for images that carry no RelativeAltitude. */
  flightHeightM?: number;
  /** IANA time zone of the drone's clock (EXIF times carry none); default Asia/Shanghai. */
  timezone?: string;
  zones?: SurveyZones;
}

export type SurveyImageStatus = 'queued' | 'done' | 'failed';

/** Where the ground point of a detection is taken, and why (see pipeline/survey/ground-points.ts). */
export type Anchor = 'centre' | 'bottom-centre';

export interface LocatedDetection {
  label: string;
  score: number;
  /** Image pixels. */
  box: Box;
  modelId?: string;
  /** Passed the survey's label allow-list and per-label threshold. */
  kept: boolean;
  /** Why it was left out of cases (label not allowed from the air, score under its threshold). */
  dropped?: string;
  anchor?: Anchor;
  location?: { lat: number; lon: number; accuracyM: number };
}

export interface ReportedViolation {
  type: ViolationType;
  label?: string;
  observationId: string;
  dedupeKey: string;
  location: { lat: number; lon: number; accuracyM: number };
  zone?: string;
}

export interface DetectorStatement {
  models: Array<{ id: string; version: string; sha256: string }>;
  aerial: boolean;
  /** Plain words for the report: which detector ran and what it is (not) good for from the air. */
  statement: string;
  /** Labels that may become cases from the air, with their minimum scores. */
  allowedLabels: Record<string, number>;
}

export interface TypeFromAir {
  type: ViolationType;
  analysed: boolean;
  /** When analysed: by which models and labels. When not: why, in words. */
  detail: string;
}

export interface ImageTelemetryReport {
  read: boolean;
  /** When nothing usable was found, why. */
  absent?: string;
  lat?: number;
  lon?: number;
  relativeAltitudeM?: number;
  altitudeSource?: string;
  gimbalPitchDeg?: number;
  yawDeg?: number;
  focalLengthPx?: number;
  capturedAt?: string;
}

export interface SurveyImageResult {
  status: 'done' | 'failed';
  /** Why the image could not be analysed (failed only). */
  error?: string;
  /** Which delivery of the job this was (1 = first). */
  attempt: number;
  width?: number;
  height?: number;
  warnings?: string[];
  telemetry?: ImageTelemetryReport;
  geolocated?: boolean;
  notGeolocated?: string;
  detector?: DetectorStatement;
  analysis?: TypeFromAir[];
  detections?: LocatedDetection[];
  violations?: ReportedViolation[];
  timings?: Record<string, number>;
}

// ---------------------------------------------------------------------------------------------
// JSON schemas (the API validates with them at the edge).

// Geometry is checked by contracts/survey-geometry.ts, not here: it names the ring, the point and
// the problem (out of range, open, crossing itself), where a oneOf of shapes could only say that
// none matched.
export const polygonGeometrySchema = {
  type: 'object',
  description: 'GeoJSON Polygon or MultiPolygon, [lon, lat] positions, closed rings, at most 10,000 points per ring, no ring crossing itself',
} as const;
export const polygonLayerSchema = {
  type: 'object',
  description: 'GeoJSON Polygon, MultiPolygon, Feature or FeatureCollection of them ([lon, lat]; rings checked as for area)',
} as const;

export const surveyZonesSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { noParking: polygonLayerSchema, sidewalks: polygonLayerSchema, permittedBuildings: polygonLayerSchema },
} as const;

export const surveyInputSchema = {
  type: 'object',
  required: ['name', 'flownAt'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    area: polygonGeometrySchema,
    operator: { type: 'string', maxLength: 200 },
    flownAt: { type: 'string', format: 'date-time' },
    flightHeightM: { type: 'number', exclusiveMinimum: 0, maximum: 10_000 },
    timezone: { type: 'string', maxLength: 64, description: 'IANA time zone name, e.g. Asia/Shanghai' },
    zones: surveyZonesSchema,
  },
} as const;

const location = {
  type: 'object',
  required: ['lat', 'lon', 'accuracyM'],
  properties: { lat: { type: 'number', minimum: -90, maximum: 90 }, lon: { type: 'number', minimum: -180, maximum: 180 }, accuracyM: { type: 'number', minimum: 0 } },
} as const;
const box = { type: 'array', items: { type: 'number' }, minItems: 4, maxItems: 4 } as const;

export const surveyImageResultSchema = {
  type: 'object',
  required: ['status', 'attempt'],
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: ['done', 'failed'] },
    error: { type: 'string', maxLength: 2000 },
    attempt: { type: 'integer', minimum: 1 },
    width: { type: 'integer', minimum: 1 },
    height: { type: 'integer', minimum: 1 },
    warnings: { type: 'array', items: { type: 'string', maxLength: 1000 }, maxItems: 50 },
    telemetry: { type: 'object', required: ['read'], properties: { read: { type: 'boolean' }, absent: { type: 'string' } } },
    geolocated: { type: 'boolean' },
    notGeolocated: { type: 'string', maxLength: 1000 },
    detector: {
      type: 'object',
      required: ['models', 'aerial', 'statement'],
      properties: { models: { type: 'array', maxItems: 20 }, aerial: { type: 'boolean' }, statement: { type: 'string', maxLength: 4000 }, allowedLabels: { type: 'object' } },
    },
    analysis: {
      type: 'array',
      maxItems: 20,
      items: { type: 'object', required: ['type', 'analysed', 'detail'], properties: { type: { type: 'string', enum: [...VIOLATION_TYPES] }, analysed: { type: 'boolean' }, detail: { type: 'string' } } },
    },
    detections: {
      type: 'array',
      maxItems: 5000,
      items: {
        type: 'object',
        required: ['label', 'score', 'box', 'kept'],
        properties: { label: { type: 'string' }, score: { type: 'number' }, box, kept: { type: 'boolean' }, dropped: { type: 'string' }, anchor: { type: 'string' }, location },
      },
    },
    violations: {
      type: 'array',
      maxItems: 5000,
      items: {
        type: 'object',
        required: ['type', 'observationId', 'dedupeKey', 'location'],
        properties: { type: { type: 'string', enum: [...VIOLATION_TYPES] }, observationId: { type: 'string' }, dedupeKey: { type: 'string' }, location, label: { type: 'string' }, zone: { type: 'string' } },
      },
    },
    timings: { type: 'object', additionalProperties: { type: 'number' } },
  },
} as const;
