// Ground calibration against a synthetic pinhole street camera over flat ground (test/support/
// street-camera.ts): marks projected to pixels, the homography fitted from them, and other road
// points recovered from their pixels to within what the pixels allow.
import { describe, expect, it } from 'vitest';
import { fitGroundPlane, GROUND_ACCURACY_FLOOR_M, GroundCalibrationError, MAX_GROUND_REACH_M } from '../../pipeline/cameras/ground-plane.ts';
import { distanceM, obliqueOffset, offsetLatLon } from '../../pipeline/survey/georeference.ts';
import { BAY_CORNERS, CLICK_NOISE, marks, pixelOf, roadPoint, SIX_MARKS, STREET_CAMERA as cam } from '../support/street-camera.ts';

/** Road positions (ahead, right) to check, inside and a little beyond the marks. */
const CHECKS: Array<[number, number]> = [[15, 0], [18, -3], [25, 3], [28, -1], [40, 2]];

/**
 * Ground metres one pixel covers along the view at this distance: range / focal length is the width of
 * a pixel across the ray, stretched by 1 / sin(depression) = range / height where the ray meets the road.
 */
const metresPerPixel = (aheadM: number, rightM: number) => (aheadM ** 2 + rightM ** 2 + cam.heightM ** 2) / (cam.focalLengthPx * cam.heightM);

describe('the synthetic street camera', () => {
  it('projects ground points where georeference.ts finds them again', () => {
    for (const [ahead, right] of CHECKS) {
      const point = roadPoint(cam, ahead, right);
      const [x, y] = pixelOf(cam, point)!;
      const [east, north] = obliqueOffset(cam, x, y)!;
      expect(distanceM(offsetLatLon(cam.lat, cam.lon, east, north), point)).toBeLessThan(1e-6);
    }
  });
});

describe('fitGroundPlane', () => {
  it('recovers road points exactly from the 4 corners of a parking bay', () => {
    const plane = fitGroundPlane(marks(cam, BAY_CORNERS));
    expect(plane.residualM).toBeLessThan(1e-6);
    for (const [ahead, right] of CHECKS) {
      const truth = roadPoint(cam, ahead, right);
      const found = plane.groundOf(pixelOf(cam, truth)!)!;
      expect(distanceM(found, truth)).toBeLessThan(0.01);
      // Nothing but the floor and a box edge's few pixels: within a parking radius (10 m) up to 40 m ahead.
      expect(found.accuracyM).toBeGreaterThanOrEqual(GROUND_ACCURACY_FLOOR_M);
      expect(found.accuracyM).toBeLessThan(10);
    }
  });

  it('recovers road points from 6 marks clicked ±1 px off, within what a pixel covers there', () => {
    const plane = fitGroundPlane(marks(cam, SIX_MARKS, CLICK_NOISE));
    expect(plane.residualM).toBeGreaterThan(0); // the noise shows in the residual…
    expect(plane.residualM).toBeLessThan(1); // …at the scale of a pixel on the road (0.03-0.2 m here)
    for (const [ahead, right] of CHECKS) {
      const truth = roadPoint(cam, ahead, right);
      const found = plane.groundOf(pixelOf(cam, truth)!)!;
      const error = distanceM(found, truth);
      // The fit is pulled by clicks 1 px off; three pixels' worth of road covers its leverage.
      expect(error).toBeLessThan(3 * metresPerPixel(ahead, right));
      // And the accuracy the plane reports covers the true error.
      expect(error).toBeLessThan(found.accuracyM);
    }
  });

  it('reports a worse accuracy further away, where a pixel covers more road', () => {
    const plane = fitGroundPlane(marks(cam, SIX_MARKS, CLICK_NOISE));
    const at = (ahead: number) => plane.groundOf(pixelOf(cam, roadPoint(cam, ahead, 0))!)!.accuracyM;
    expect(at(15)).toBeLessThan(at(40));
    expect(at(40)).toBeLessThan(at(90));
  });

  it('refuses pixels at or above the horizon and beyond the marks\' reach', () => {
    const plane = fitGroundPlane(marks(cam, SIX_MARKS));
    // The horizon is focal × tan(pitch) above the image centre: y = 360 - 1000 × tan 12° ≈ 147.4.
    const horizonY = cam.imageHeight / 2 - cam.focalLengthPx * Math.tan((-cam.pitchDeg * Math.PI) / 180);
    expect(plane.groundOf([640, horizonY - 50])).toBeUndefined(); // sky: maps behind the camera
    expect(plane.groundOf([640, horizonY])).toBeUndefined();
    expect(plane.groundOf([640, horizonY + 3])).toBeUndefined(); // on the road, but about a kilometre away
    const farthest = roadPoint(cam, MAX_GROUND_REACH_M - 10, 0); // reach counts from the marks' centroid, ~22 m ahead
    expect(plane.groundOf(pixelOf(cam, farthest)!)).toBeDefined();
    expect(plane.groundOf(pixelOf(cam, roadPoint(cam, MAX_GROUND_REACH_M + 40, 0))!)).toBeUndefined();
  });

  it('accepts marks along lane lines when 4 of them are not on one line', () => {
    const lanes: Array<[number, number]> = [[10, -3], [20, -3], [30, -3], [10, 3], [20, 3], [30, 3]];
    const plane = fitGroundPlane(marks(cam, lanes));
    const truth = roadPoint(cam, 25, 0);
    expect(distanceM(plane.groundOf(pixelOf(cam, truth)!)!, truth)).toBeLessThan(0.01);
  });

  const refusal = (points: ReturnType<typeof marks>) => {
    try {
      fitGroundPlane(points);
    } catch (error) {
      expect(error).toBeInstanceOf(GroundCalibrationError);
      return error as GroundCalibrationError;
    }
    throw new Error('expected a GroundCalibrationError');
  };

  it('refuses 4 marks with three on one line, naming them', () => {
    const e = refusal(marks(cam, [[10, -3], [20, -3], [30, -3], [15, 3]]));
    expect(e.message).toMatch(/needs 4 points with no three on one line: points 0, 1 and 2 are on one line in the picture/);
  });

  it('refuses marks whose pixels are right but whose lat/lon are on one line', () => {
    const points = marks(cam, BAY_CORNERS);
    const [a, b] = [points[0]!, points[3]!];
    points[1] = { ...points[1]!, lat: (a.lat + b.lat) / 2, lon: (a.lon + b.lon) / 2 };
    expect(refusal(points).message).toMatch(/points 0, 1 and 3 are on one line on the map/);
  });

  it('refuses a repeated mark, too few marks, and many marks all along one line', () => {
    const points = marks(cam, BAY_CORNERS);
    points[2] = points[0]!;
    expect(refusal(points).message).toMatch(/points 0, 1 and 2 are on one line/);
    expect(refusal(marks(cam, BAY_CORNERS.slice(0, 3))).message).toMatch(/needs at least 4 points.*got 3/);
    const line = refusal(marks(cam, [[10, 0], [15, 0], [20, 0], [25, 0], [30, 0]]));
    expect(line.message).toMatch(/the 5 points hold no such 4/);
  });

  it('refuses a mark far from the others (a typo in its lat/lon), naming it', () => {
    const points = marks(cam, SIX_MARKS);
    points[4] = { ...points[4]!, lat: points[4]!.lat + 0.004 }; // ~440 m north
    const e = refusal(points);
    expect(e.point).toBe(4);
    expect(e.message).toMatch(/from the other points, more than 150 m.*check its lat\/lon/);
  });
});
