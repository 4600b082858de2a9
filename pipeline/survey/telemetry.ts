// Where the camera was and where it looked when a drone photo was taken, from whatever the image
// carries: EXIF GPS; DJI XMP in the `drone-dji:` namespace or the older `DJI:` one (values may be
// signed strings such as "+16.508"); DJI maker notes on older models; Pix4D-style `Camera:` XMP.
// An image without a position is still analysed; it is reported as not geolocated, with the reason.
import exifr from 'exifr';
import type { Telemetry } from '../../contracts/types.ts';
import { parseDjiMakerNote } from './dji-maker-note.ts';

export type AltitudeSource = 'xmp-relative-altitude' | 'survey-flight-height' | 'exif-gps-altitude';

export interface ImageTelemetry {
  telemetry: Telemetry;
  /** Focal length in pixels of this image, when it can be worked out (needed to georeference). */
  focalLengthPx?: number;
  altitudeSource?: AltitudeSource;
  /** Horizontal GPS accuracy the image states (senseFly, iPhone), else undefined. */
  gpsAccuracyM?: number;
  /** Why this image cannot be placed on the map; undefined when it can. */
  notGeolocated?: string;
}

type Tags = Record<string, Record<string, unknown> | undefined>;

export interface TelemetryOptions {
  /** Flight height above ground the operator gave for the survey, used when the image has none. */
  flightHeightM?: number;
}

export async function readTelemetry(bytes: Buffer, width: number, height: number, options: TelemetryOptions = {}): Promise<ImageTelemetry> {
  let tags: Tags;
  try {
    tags = ((await exifr.parse(bytes, { xmp: true, gps: true, exif: true, tiff: true, makerNote: true, mergeOutput: false })) ?? {}) as Tags;
  } catch {
    tags = {};
  }
  return telemetryFromTags(tags, width, height, options);
}

export function telemetryFromTags(tags: Tags, width: number, height: number, options: TelemetryOptions = {}): ImageTelemetry {
  const dji = { ...tags.DJI, ...tags['drone-dji'] };
  const camera = tags.Camera ?? {};
  const gps = tags.gps ?? {};
  const exif = tags.exif ?? {};
  const maker = parseDjiMakerNote(tags.makerNote as unknown as Uint8Array | undefined);
  const t: Telemetry = {};

  const lat = num(gps.latitude) ?? num(dji.GpsLatitude) ?? num(dji.Latitude);
  const lon = num(gps.longitude) ?? num(dji.GpsLongitude) ?? num(dji.Longitude);
  if (lat !== undefined && lon !== undefined && Math.abs(lat) <= 90 && Math.abs(lon) <= 180 && !(lat === 0 && lon === 0)) {
    t.lat = lat;
    t.lon = lon;
  }
  const absolute = num(dji.AbsoluteAltitude) ?? num(gps.GPSAltitude);
  if (absolute !== undefined) t.absoluteAltitudeM = absolute;

  let altitudeSource: AltitudeSource | undefined;
  const relative = num(dji.RelativeAltitude);
  if (relative !== undefined) {
    t.relativeAltitudeM = relative;
    altitudeSource = 'xmp-relative-altitude';
  } else if (options.flightHeightM !== undefined) {
    t.relativeAltitudeM = options.flightHeightM;
    altitudeSource = 'survey-flight-height';
  } else if (maker && num(gps.GPSAltitude) !== undefined) {
    // Phantom 3/4-era DJI firmware writes the height above the take-off point into GPSAltitude
    // (the Toledo sample says 122.3 m where the ground is ~190 m above sea level). Used, but flagged,
    // and its accuracy is widened.
    t.relativeAltitudeM = num(gps.GPSAltitude)!;
    altitudeSource = 'exif-gps-altitude';
  }

  // Pix4D's Camera:Pitch is 0 when looking straight down; gimbal pitch is -90 there.
  const pitch = num(dji.GimbalPitchDegree) ?? maker?.cameraPitchDeg ?? (num(camera.Pitch) !== undefined ? num(camera.Pitch)! - 90 : undefined);
  if (pitch !== undefined) t.gimbalPitchDeg = pitch;
  const yaw = num(dji.GimbalYawDegree) ?? maker?.cameraYawDeg ?? num(camera.Yaw);
  if (yaw !== undefined) t.gimbalYawDeg = yaw;
  const flightYaw = num(dji.FlightYawDegree) ?? maker?.flightYawDeg;
  if (flightYaw !== undefined) t.flightYawDeg = flightYaw;
  const focal = num(exif.FocalLength);
  if (focal !== undefined) t.focalLengthMm = focal;
  const sensorWidth = sensorWidthMm(exif, width, height);
  if (sensorWidth !== undefined) t.sensorWidthMm = sensorWidth;

  const out: ImageTelemetry = { telemetry: t };
  const focalPx = focalLengthPx(dji, exif, width, height, focal, sensorWidth);
  if (focalPx !== undefined) out.focalLengthPx = focalPx;
  if (altitudeSource) out.altitudeSource = altitudeSource;
  const accuracy = num(camera.GPSXYAccuracy) ?? num(gps.GPSHPositioningError);
  // iPhones write 1414 m when they have no fix: that is "unknown", not a usable accuracy.
  if (accuracy !== undefined && accuracy < 100) out.gpsAccuracyM = accuracy;

  const missing = [
    t.lat === undefined ? 'GPS position' : undefined,
    t.relativeAltitudeM === undefined ? 'height above ground (no RelativeAltitude; give the survey a flight height)' : undefined,
    t.gimbalPitchDeg === undefined ? 'camera pitch' : undefined,
    t.gimbalYawDeg === undefined && t.flightYawDeg === undefined ? 'camera heading' : undefined,
    focalPx === undefined ? 'focal length in pixels (no CalibratedFocalLength, focal length with sensor size, or 35 mm equivalent)' : undefined,
  ].filter(Boolean);
  if (missing.length) out.notGeolocated = `missing ${missing.join(', ')}`;
  return out;
}

/**
 * DJI's CalibratedFocalLength is already in pixels (of the full-size image). Otherwise focal length
 * over sensor width times image width, or the 35 mm equivalent over 36 mm times image width.
 */
function focalLengthPx(dji: Record<string, unknown>, exif: Record<string, unknown>, width: number, height: number, focalMm?: number, sensorMm?: number): number | undefined {
  const calibrated = num(dji.CalibratedFocalLength);
  const exifWidth = Math.max(num(exif.ExifImageWidth) ?? 0, num(exif.ExifImageHeight) ?? 0);
  const longSide = Math.max(width, height);
  if (calibrated !== undefined && calibrated > 0) {
    // Calibrated for the sensor's full resolution: scale if this file was resized.
    return exifWidth > 0 ? (calibrated * longSide) / exifWidth : calibrated;
  }
  if (focalMm !== undefined && sensorMm !== undefined && sensorMm > 0) return (focalMm / sensorMm) * longSide;
  const f35 = num(exif.FocalLengthIn35mmFormat);
  if (f35 !== undefined && f35 > 0) return (f35 / 36) * longSide;
  return undefined;
}

function sensorWidthMm(exif: Record<string, unknown>, width: number, height: number): number | undefined {
  const perUnit = num(exif.FocalPlaneXResolution);
  const unit = exif.FocalPlaneResolutionUnit;
  const mmPerUnit = unit === 'Inch' || unit === 2 ? 25.4 : unit === 'Centimeter' || unit === 3 ? 10 : unit === 4 ? 1 : undefined;
  const pixels = num(exif.ExifImageWidth) ?? Math.max(width, height);
  if (!perUnit || !mmPerUnit) return undefined;
  const mm = (pixels / perUnit) * mmPerUnit;
  // FocalPlaneXResolution describes the full-size sensor; in a resized copy whose ExifImageWidth was
  // rewritten the result is nonsense (0.09 mm for a 48-pixel thumbnail). Real sensors are 1-60 mm.
  return mm >= 1 && mm <= 60 ? mm : undefined;
}

/** Numbers as exifr gives them, or as DJI writes them in XMP: "+16.508", "-10.50". */
function num(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && /^\s*[+-]?\d+(\.\d+)?\s*$/.test(v)) return Number(v);
  return undefined;
}
