// From a pixel in a drone photo to a point on the ground (lat/lon), with an accuracy estimate.
//
// Nadir (camera within 10° of straight down): ground offset = pixel offset from the image centre ×
// ground sample distance (height / focal length in pixels), rotated by the camera's heading.
// Oblique: the pixel's viewing ray is intersected with the ground plane the height below the
// camera. Both assume flat ground at the take-off level: on hills the error grows, and the accuracy
// says so only through the altitude term.
import type { Telemetry } from '../../contracts/types.ts';

const EARTH_RADIUS_M = 6_378_137;
const DEG = Math.PI / 180;

export interface CameraPose {
  lat: number;
  lon: number;
  /** Height of the camera above the ground plane. */
  heightM: number;
  /** -90 straight down, 0 level with the horizon. */
  pitchDeg: number;
  /** Heading of the image's top edge (for nadir) or the view direction, clockwise from north. */
  yawDeg: number;
  focalLengthPx: number;
  imageWidth: number;
  imageHeight: number;
}

export interface ErrorBudget {
  gpsM: number;
  heightM: number;
  angleDeg: number;
}

/** Consumer drones: GPS ~3 m, barometric height ~1 m, gimbal and compass ~1°. */
export const DEFAULT_ERRORS: ErrorBudget = { gpsM: 3, heightM: 1, angleDeg: 1 };

export interface GroundPoint {
  lat: number;
  lon: number;
  /** One-sigma-ish radius in metres from GPS, height and angle errors combined. */
  accuracyM: number;
  /** Metres east and north of the point below the camera. */
  eastM: number;
  northM: number;
}

export const NADIR_TOLERANCE_DEG = 10;

export function isNadir(pitchDeg: number): boolean {
  return Math.abs(pitchDeg + 90) <= NADIR_TOLERANCE_DEG;
}

/** The pose, or why there is none, from an image's telemetry. */
export function cameraPose(t: Telemetry, focalLengthPx: number | undefined, width: number, height: number): CameraPose | string {
  if (t.lat === undefined || t.lon === undefined) return 'no GPS position';
  if (t.relativeAltitudeM === undefined) return 'no height above ground';
  if (!(t.relativeAltitudeM > 0)) return `height above ground is ${t.relativeAltitudeM} m: the camera is on the ground`;
  if (t.gimbalPitchDeg === undefined) return 'no camera pitch';
  const yaw = t.gimbalYawDeg ?? t.flightYawDeg;
  if (yaw === undefined) return 'no camera heading';
  if (!focalLengthPx) return 'no focal length in pixels';
  return { lat: t.lat, lon: t.lon, heightM: t.relativeAltitudeM, pitchDeg: t.gimbalPitchDeg, yawDeg: yaw, focalLengthPx, imageWidth: width, imageHeight: height };
}

/** A position as the product reports it: lat/lon to about a centimetre, accuracy to 0.1 m. */
export function reportedLocation(p: { lat: number; lon: number; accuracyM: number }): { lat: number; lon: number; accuracyM: number } {
  const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;
  return { lat: round(p.lat, 7), lon: round(p.lon, 7), accuracyM: round(p.accuracyM, 1) };
}

/** Ground point of pixel (x, y), or undefined when that pixel looks at or above the horizon. */
export function pixelToGround(pose: CameraPose, x: number, y: number, errors: ErrorBudget = DEFAULT_ERRORS): GroundPoint | undefined {
  const offset = isNadir(pose.pitchDeg) ? nadirOffset(pose, x, y) : obliqueOffset(pose, x, y);
  if (!offset) return undefined;
  const [east, north] = offset;
  const range = Math.hypot(east, north, pose.heightM);
  const ground = Math.hypot(east, north);
  // Height error scales the ground distance; an angle error moves the point by range × tan(err),
  // more for shallow rays (divided by the sine of the ray's elevation below the horizon).
  const depression = Math.atan2(pose.heightM, ground);
  const heightTerm = (errors.heightM * ground) / pose.heightM;
  const angleTerm = (range * Math.tan(errors.angleDeg * DEG)) / Math.max(Math.sin(depression), 0.05);
  const accuracyM = Math.hypot(errors.gpsM, heightTerm, angleTerm);
  return { ...offsetLatLon(pose.lat, pose.lon, east, north), accuracyM, eastM: east, northM: north };
}

/** East/north metres for a nadir image: pixel offset × GSD, image top pointing at the heading. */
export function nadirOffset(pose: CameraPose, x: number, y: number): [number, number] {
  const gsd = pose.heightM / pose.focalLengthPx;
  const right = (x - pose.imageWidth / 2) * gsd;
  const up = -(y - pose.imageHeight / 2) * gsd;
  const yaw = pose.yawDeg * DEG;
  return [right * Math.cos(yaw) + up * Math.sin(yaw), -right * Math.sin(yaw) + up * Math.cos(yaw)];
}

/**
 * East/north metres by intersecting the pixel's ray with the ground. Camera axes in east-north-up:
 * forward f from heading and pitch, right r level and 90° clockwise of the heading, up u = r × f.
 */
export function obliqueOffset(pose: CameraPose, x: number, y: number): [number, number] | undefined {
  const yaw = pose.yawDeg * DEG;
  const pitch = pose.pitchDeg * DEG;
  const f = [Math.sin(yaw) * Math.cos(pitch), Math.cos(yaw) * Math.cos(pitch), Math.sin(pitch)];
  const r = [Math.cos(yaw), -Math.sin(yaw), 0];
  const u = [r[1]! * f[2]! - r[2]! * f[1]!, r[2]! * f[0]! - r[0]! * f[2]!, r[0]! * f[1]! - r[1]! * f[0]!];
  const px = (x - pose.imageWidth / 2) / pose.focalLengthPx;
  const py = (y - pose.imageHeight / 2) / pose.focalLengthPx;
  const ray = [0, 1, 2].map((i) => f[i]! + px * r[i]! - py * u[i]!) as [number, number, number];
  if (ray[2] >= -1e-9) return undefined;
  const t = pose.heightM / -ray[2];
  return [ray[0] * t, ray[1] * t];
}

/** Small offsets on a sphere: exact enough within a drone photo's footprint (< 1 km). */
export function offsetLatLon(lat: number, lon: number, eastM: number, northM: number): { lat: number; lon: number } {
  return {
    lat: lat + (northM / EARTH_RADIUS_M) / DEG,
    lon: lon + (eastM / (EARTH_RADIUS_M * Math.cos(lat * DEG))) / DEG,
  };
}

/** The inverse of offsetLatLon: metres east and north of (lat, lon) to a nearby point. */
export function eastNorthOf(lat: number, lon: number, point: { lat: number; lon: number }): [number, number] {
  return [(point.lon - lon) * DEG * EARTH_RADIUS_M * Math.cos(lat * DEG), (point.lat - lat) * DEG * EARTH_RADIUS_M];
}

/** Distance in metres between two points (haversine), for dedupe radii and tests. */
export function distanceM(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const dLat = (b.lat - a.lat) * DEG;
  const dLon = (b.lon - a.lon) * DEG;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * DEG) * Math.cos(b.lat * DEG) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.sqrt(h));
}
