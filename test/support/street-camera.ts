// A pinhole street camera over flat ground, for ground-calibration tests: it turns road positions
// (metres ahead of and right of the camera, or lat/lon) into the pixels a real camera would show
// them at, so calibration marks and cars can be made with known answers.
import type { GroundCalibrationPoint } from '../../contracts/camera.ts';
import { eastNorthOf, offsetLatLon, type CameraPose } from '../../pipeline/survey/georeference.ts';

const DEG = Math.PI / 180;

/** The pose georeference.ts uses for oblique drone photos: the same pinhole model, on a pole. */
export type StreetCamera = CameraPose;

/** 6 m up a pole near People's Square, looking north-north-east 12° down, 1280x720 at 1000 px focal length. */
export const STREET_CAMERA: StreetCamera = { lat: 31.23, lon: 121.47, heightM: 6, pitchDeg: -12, yawDeg: 30, focalLengthPx: 1000, imageWidth: 1280, imageHeight: 720 };

/** The map position `aheadM` along the view direction and `rightM` to its right, on the ground. */
export function roadPoint(cam: StreetCamera, aheadM: number, rightM: number): { lat: number; lon: number } {
  const yaw = cam.yawDeg * DEG;
  const east = aheadM * Math.sin(yaw) + rightM * Math.cos(yaw);
  const north = aheadM * Math.cos(yaw) - rightM * Math.sin(yaw);
  return offsetLatLon(cam.lat, cam.lon, east, north);
}

/** The pixel showing a ground point, or undefined when it is behind the camera. Axes as georeference.ts obliqueOffset. */
export function pixelOf(cam: StreetCamera, point: { lat: number; lon: number }): [number, number] | undefined {
  const [east, north] = eastNorthOf(cam.lat, cam.lon, point);
  const yaw = cam.yawDeg * DEG;
  const pitch = cam.pitchDeg * DEG;
  const f = [Math.sin(yaw) * Math.cos(pitch), Math.cos(yaw) * Math.cos(pitch), Math.sin(pitch)];
  const r = [Math.cos(yaw), -Math.sin(yaw), 0];
  const u = [r[1]! * f[2]! - r[2]! * f[1]!, r[2]! * f[0]! - r[0]! * f[2]!, r[0]! * f[1]! - r[1]! * f[0]!];
  const d = [east, north, -cam.heightM];
  const dot = (a: number[]) => a[0]! * d[0]! + a[1]! * d[1]! + a[2]! * d[2]!;
  const depth = dot(f);
  if (depth <= 0) return undefined;
  return [cam.imageWidth / 2 + (cam.focalLengthPx * dot(r)) / depth, cam.imageHeight / 2 - (cam.focalLengthPx * dot(u)) / depth];
}

/** Calibration marks at these road positions, their pixels moved by `noisePx` (one [dx, dy] per mark) as a person's clicks would be. */
export function marks(cam: StreetCamera, positions: ReadonlyArray<readonly [number, number]>, noisePx: ReadonlyArray<readonly [number, number]> = []): GroundCalibrationPoint[] {
  return positions.map(([ahead, right], i) => {
    const ground = roadPoint(cam, ahead, right);
    const [x, y] = pixelOf(cam, ground)!;
    const [dx, dy] = noisePx[i] ?? [0, 0];
    return { pixel: [x + dx, y + dy], lat: ground.lat, lon: ground.lon };
  });
}

/** The four corners of a parking bay by the kerb, 12 to 30 m ahead. */
export const BAY_CORNERS: ReadonlyArray<readonly [number, number]> = [[12, -4], [12, 4], [30, -5], [30, 5]];
/** Lane-marking corners and manhole covers spread from 10 to 35 m ahead. */
export const SIX_MARKS: ReadonlyArray<readonly [number, number]> = [[10, -4], [10, 4], [20, -6], [21, 5], [35, -5], [34, 6]];
/** ±1 px clicking error, one per mark of SIX_MARKS. */
export const CLICK_NOISE: ReadonlyArray<readonly [number, number]> = [[1, -1], [-1, 1], [1, 1], [-1, -1], [1, 0], [0, -1]];
