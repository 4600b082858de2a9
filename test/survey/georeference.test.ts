// Georeferencing against answers worked out by hand (comments give the arithmetic).
import { describe, expect, it } from 'vitest';
import { cameraPose, distanceM, isNadir, nadirOffset, obliqueOffset, offsetLatLon, pixelToGround, type CameraPose } from '../../pipeline/survey/georeference.ts';

// 1000x800 image, focal 1000 px, 100 m up: GSD = 100 / 1000 = 0.1 m per pixel.
const pose = (over: Partial<CameraPose> = {}): CameraPose => ({
  lat: 31.2304, lon: 121.4737, heightM: 100, pitchDeg: -90, yawDeg: 0, focalLengthPx: 1000, imageWidth: 1000, imageHeight: 800, ...over,
});
const close = (a: [number, number] | undefined, b: [number, number]) => {
  expect(a).toBeDefined();
  expect(a![0]).toBeCloseTo(b[0], 6);
  expect(a![1]).toBeCloseTo(b[1], 6);
};

describe('nadir images: pixel offset × GSD, rotated by heading', () => {
  it('heading north: 100 px right of centre is 10 m east, 100 px up is 10 m north', () => {
    close(nadirOffset(pose(), 600, 400), [10, 0]);
    close(nadirOffset(pose(), 500, 300), [0, 10]);
  });

  it('heading east (yaw 90): the image top points east, so right is south', () => {
    close(nadirOffset(pose({ yawDeg: 90 }), 600, 400), [0, -10]);
    close(nadirOffset(pose({ yawDeg: 90 }), 500, 300), [10, 0]);
  });

  it('heading 30°: 100 px up is 10 m along the heading (5 m east, 8.66 m north)', () => {
    close(nadirOffset(pose({ yawDeg: 30 }), 500, 300), [5, 10 * Math.cos(Math.PI / 6)]);
  });

  it('lands 10 m east of the camera on the map', () => {
    const p = pixelToGround(pose(), 600, 400)!;
    expect(distanceM({ lat: 31.2304, lon: 121.4737 }, p)).toBeCloseTo(10, 2);
    expect(p.lat).toBeCloseTo(31.2304, 7);
    expect(p.lon).toBeGreaterThan(121.4737);
  });

  it('treats pitch within 10° of straight down as nadir', () => {
    expect([isNadir(-90), isNadir(-81), isNadir(-79.9), isNadir(-100)]).toEqual([true, true, false, true]);
  });
});

describe('oblique images: the pixel ray meets the ground', () => {
  it('looking 45° down to the north, the image centre is 100 m north at 100 m height', () => {
    close(obliqueOffset(pose({ pitchDeg: -45 }), 500, 400), [0, 100]);
  });

  it('looking 30° down to the east, the centre is 100 / tan 30° = 173.2 m east', () => {
    close(obliqueOffset(pose({ pitchDeg: -30, yawDeg: 90 }), 500, 400), [100 / Math.tan(Math.PI / 6), 0]);
  });

  it('the ray through a pixel below the centre meets the ground nearer (pitch -45, 100 px down → 45° + atan 0.1)', () => {
    const angle = Math.PI / 4 + Math.atan(0.1);
    close(obliqueOffset(pose({ pitchDeg: -45 }), 500, 500), [0, 100 / Math.tan(angle)]);
  });

  it('agrees with the nadir formula when looking straight down', () => {
    for (const [x, y, yaw] of [[700, 250, 0], [123, 456, 37], [900, 700, 250]] as const) {
      const a = obliqueOffset(pose({ yawDeg: yaw }), x, y)!;
      const b = nadirOffset(pose({ yawDeg: yaw }), x, y);
      expect(a[0]).toBeCloseTo(b[0], 6);
      expect(a[1]).toBeCloseTo(b[1], 6);
    }
  });

  it('has no ground point at or above the horizon', () => {
    expect(obliqueOffset(pose({ pitchDeg: 0 }), 500, 400)).toBeUndefined();
    expect(pixelToGround(pose({ pitchDeg: -10 }), 500, 0)).toBeUndefined();
  });
});

describe('accuracy estimate', () => {
  it('straight below the camera it is GPS and a 1° tilt: hypot(3, 100 tan 1°) = 3.47 m', () => {
    expect(pixelToGround(pose(), 500, 400)!.accuracyM).toBeCloseTo(Math.hypot(3, 100 * Math.tan(Math.PI / 180)), 6);
  });

  it('grows with distance for shallow oblique views', () => {
    const near = pixelToGround(pose({ pitchDeg: -60 }), 500, 400)!.accuracyM;
    const far = pixelToGround(pose({ pitchDeg: -15 }), 500, 400)!.accuracyM;
    expect(far).toBeGreaterThan(near * 3);
  });
});

describe('camera pose from telemetry', () => {
  it('says what is missing', () => {
    expect(cameraPose({ lat: 1, lon: 2, gimbalPitchDeg: -90, gimbalYawDeg: 0 }, 1000, 10, 10)).toBe('no height above ground');
    expect(cameraPose({ relativeAltitudeM: 50 }, 1000, 10, 10)).toBe('no GPS position');
    expect(cameraPose({ lat: 1, lon: 2, relativeAltitudeM: 50, gimbalPitchDeg: -90 }, 1000, 10, 10)).toBe('no camera heading');
    expect(cameraPose({ lat: 1, lon: 2, relativeAltitudeM: 0, gimbalPitchDeg: -90, gimbalYawDeg: 3 }, 1000, 10, 10)).toMatch(/on the ground/);
  });

  it('falls back from gimbal yaw to flight yaw', () => {
    const p = cameraPose({ lat: 1, lon: 2, relativeAltitudeM: 50, gimbalPitchDeg: -90, flightYawDeg: 45 }, 1000, 10, 10);
    expect(typeof p === 'object' && p.yawDeg).toBe(45);
  });

  it('moves 1 km north by 1000 / 6378137 rad of latitude', () => {
    expect(offsetLatLon(0, 0, 0, 1000).lat).toBeCloseTo((1000 / 6378137) * (180 / Math.PI), 12);
  });
});
