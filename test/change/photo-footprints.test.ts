// Choosing photo pairs by ground footprint: nadir photos with telemetry (GPS, height, heading, focal
// length) of two surveys; each later photo is paired with the earlier one covering most of its
// ground, and one that nothing covers, one without telemetry and one looking at the horizon are left
// out with the reason.
import { describe, expect, it } from 'vitest';
import { choosePairs, footprintOf, overlapShare, type SurveyPhoto } from '../../pipeline/change/photo-pairs.ts';
import { offsetLatLon } from '../../pipeline/survey/georeference.ts';

const BASE = { lat: 31.23, lon: 121.47 };
/** A nadir photo 4000 × 3000 px from 100 m with a 3000 px focal length: 133 m × 100 m of ground. */
function photo(name: string, eastM: number, northM: number, yawDeg = 0, pitchDeg = -90): SurveyPhoto {
  const p = offsetLatLon(BASE.lat, BASE.lon, eastM, northM);
  return { name, width: 4000, height: 3000, focalLengthPx: 3000, telemetry: { lat: p.lat, lon: p.lon, relativeAltitudeM: 100, gimbalPitchDeg: pitchDeg, gimbalYawDeg: yawDeg } };
}

describe('photo pairs by footprint', () => {
  it('measures how much of one footprint another covers', () => {
    const a = footprintOf(photo('a', 0, 0));
    const b = footprintOf(photo('b', 66.7, 0)); // half a photo's width east
    if (typeof a === 'string' || typeof b === 'string') throw new Error('no footprint');
    expect(overlapShare(a.corners, a.corners)).toBeCloseTo(1, 3);
    expect(overlapShare(a.corners, b.corners)).toBeCloseTo(0.5, 1);
  });

  it('pairs each later photo with the earlier one covering most of its ground', () => {
    const before = [photo('B1', 0, 0), photo('B2', 120, 0), photo('B3', 240, 0, 180)];
    const after = [photo('A1', 110, 5, 8), photo('A2', 250, -5, 2), photo('A3', 2000, 0), { ...photo('A4', 0, 0), telemetry: {} }, photo('A5', 0, 0, 0, -5)];
    const { pairs, unpaired } = choosePairs(before, after);
    expect(pairs.map((p) => [p.after.name, p.before.name])).toEqual([['A1', 'B2'], ['A2', 'B3']]);
    expect(pairs[0]!.overlap).toBeGreaterThan(0.8);
    expect(pairs[0]!.turnDeg).toBeCloseTo(8, 5);
    expect(pairs[1]!.turnDeg).toBeCloseTo(-178, 5); // the earlier survey flew this line the other way
    expect(Object.fromEntries(unpaired.map((u) => [u.after.name, u.reason]))).toEqual({
      A3: 'no earlier photo covers 50% of its ground (best 0%)',
      A4: 'no ground footprint: no GPS position',
      A5: 'no ground footprint: a corner of the photo looks at or above the horizon: its ground footprint is unbounded',
    });
  });
});
