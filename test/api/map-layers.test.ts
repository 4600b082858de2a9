// The map's survey and camera layers as pure functions of what the store holds: an oblique drone
// photo's footprint stops short of the horizon, a malformed telemetry report draws nothing rather
// than NaN, and a calibrated camera's ground is the hull of its marks.
import { describe, expect, it } from 'vitest';
import { cameraLayer } from '../../api/map/camera-layer.ts';
import { imageFeatures } from '../../api/map/survey-layer.ts';
import { distanceM } from '../../pipeline/survey/georeference.ts';
import { marks, SIX_MARKS, STREET_CAMERA } from '../support/street-camera.ts';

const image = (telemetry: Record<string, unknown>) => ({
  sha256: 'a'.repeat(64),
  fileName: 'DJI_0002.JPG',
  width: 4000,
  height: 3000,
  result: { status: 'done' as const, attempt: 1, telemetry: { read: true, ...telemetry } } as never,
});

describe('map layers', () => {
  it('cuts an oblique photo’s footprint where its rays run off towards the horizon', () => {
    const [footprint] = imageFeatures('7', image({ lat: 31.23, lon: 121.47, relativeAltitudeM: 60, gimbalPitchDeg: -20, yawDeg: 90, focalLengthPx: 3000 }));
    expect(footprint!.properties.kind).toBe('footprint');
    const ring = (footprint!.geometry as { coordinates: Array<Array<[number, number]>> }).coordinates[0]!;
    const far = Math.max(...ring.map(([lon, lat]) => distanceM({ lat: 31.23, lon: 121.47 }, { lat, lon })));
    expect(far).toBeLessThanOrEqual(600 + 1); // 10 flight heights
    expect(far).toBeGreaterThan(150); // it does reach out along the view
    // Looking east: the footprint lies east of the drone.
    expect(ring.every(([lon]) => lon > 121.47)).toBe(true);
  });

  it('draws nothing for telemetry that is not numbers', () => {
    expect(imageFeatures('7', image({ lat: '31.23', lon: 121.47, relativeAltitudeM: 60, gimbalPitchDeg: -90, yawDeg: 0, focalLengthPx: 3000 }))).toEqual([]);
    expect(imageFeatures('7', image({ read: false }))).toEqual([]);
  });

  it('gives a calibrated camera its position and the hull of its ground marks', () => {
    const layer = cameraLayer([
      { id: 'c1', name: '路口', url: 'rtsp://user:pw@10.0.0.5/s', location: { lat: 31.23, lon: 121.47 }, ground: { points: marks(STREET_CAMERA, SIX_MARKS) }, zones: [] },
      { id: 'c2', name: 'no place', url: 'rtsp://10.0.0.6/s', zones: [] },
    ]);
    expect(layer.features.map((f) => [f.properties.kind, f.geometry.type])).toEqual([['camera', 'Point'], ['camera-view', 'Polygon']]);
    const ring = (layer.features[1]!.geometry as { coordinates: Array<Array<[number, number]>> }).coordinates[0]!;
    expect(ring).toHaveLength(7); // the six marks are all on the hull, closed
    expect(JSON.stringify(layer)).not.toContain('rtsp');
  });
});
