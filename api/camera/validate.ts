// Camera configs are checked twice: the JSON schema at the edge (shape, types, ranges, with the
// field named), then parseCameraConfig from contracts/camera.ts for what a schema cannot say
// (polygon sanity, schedules, rule settings) — the same check the camera workers run.
import { CameraConfigError, parseCameraConfig, type CameraConfig } from '../../contracts/camera.ts';

export class CameraConfigInvalid extends Error {}

export function checkCameraConfig(raw: unknown, source: string): CameraConfig {
  try {
    return parseCameraConfig(raw, source);
  } catch (err) {
    // The operator's mistake, named by camera, zone and field: 400 with that message.
    if (err instanceof CameraConfigError) throw new CameraConfigInvalid(err.message);
    throw err;
  }
}

// The schema checks shape only and leaves ranges, unknown nested fields and meaning to
// parseCameraConfig, so the two cannot disagree about what a valid camera is.
const point = { type: 'array', minItems: 2, maxItems: 2, items: { type: 'number' } } as const;

export const zoneSchema = {
  type: 'object',
  required: ['id', 'kind', 'polygon'],
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 64 },
    name: { type: 'string', maxLength: 200 },
    kind: { type: 'string', enum: ['no_parking', 'sidewalk', 'roadway', 'watch', 'other'] },
    polygon: { type: 'array', minItems: 3, maxItems: 200, items: point, description: '[x, y] points normalised to 0..1 of the picture' },
    // No type here: parseCameraConfig refuses a bad schedule with the shape it expects.
    schedule: { description: 'daily windows [{"start": "HH:MM", "end": "HH:MM", "days": [1-7]}]; absent: always' },
    rules: { type: 'object' },
    // Ranges and which zone kinds take them: parseCameraConfig.
    persistSeconds: { type: 'number', description: 'left-behind watch: seconds something new must stay (sidewalk, roadway, watch zones)' },
    minAreaRatio: { type: 'number', description: 'left-behind watch: smallest new thing, as a fraction of the frame' },
    classifier: { type: 'string', maxLength: 64, description: 'watch zones: zone-state classifier (manifest id)' },
    classifyEverySeconds: { type: 'number', description: 'watch zones: seconds between classifications' },
  },
} as const;

export const cameraSchema = {
  type: 'object',
  required: ['id', 'url', 'zones'],
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 64 },
    name: { type: 'string', minLength: 1, maxLength: 200 },
    url: {
      type: 'string',
      minLength: 1,
      maxLength: 2000,
      description:
        'rtsp://, http(s):// or a file path. A password given here is stored encrypted and shown as *** (sending *** back keeps it); or name a secret the camera workers hold: rtsp://admin:{CAMERA_PASSWORD_GATE3}@10.0.0.5/stream1',
    },
    timezone: { type: 'string', minLength: 1, maxLength: 64 },
    location: {
      type: 'object',
      required: ['lat', 'lon'],
      properties: { lat: { type: 'number', minimum: -90, maximum: 90 }, lon: { type: 'number', minimum: -180, maximum: 180 } },
    },
    analysis: { type: 'object' },
    rules: { type: 'object' },
    zones: { type: 'array', maxItems: 100, items: zoneSchema },
  },
} as const;
