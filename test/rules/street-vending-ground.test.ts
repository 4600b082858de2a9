// 占道经营 with the zone drawn on the pavement, as a city draws it: an umbrella stall is judged by
// where it touches the ground (its vendors' feet, the pavement under the canopy), never by the
// bottom edge of the umbrella's box in the air above the zone.
import { describe, expect, it } from 'vitest';
import type { Zone } from '../../contracts/camera.ts';
import type { Box, Detection } from '../../contracts/types.ts';
import { canopyGroundPoint, CANOPY_DROP_RATIO, stallGroundPoints, standsAt } from '../../pipeline/rules/stall-placement.ts';
import { boxInZone } from '../../pipeline/rules/zones.ts';
import { camera, det, FRAME, runScene, secondsAfter } from './scene.ts';

// The pavement is the lower band of the picture (y 0.75–1); the umbrella's canopy is above it.
const pavement: Zone = { id: 'pavement', kind: 'sidewalk', polygon: [[0, 0.75], [1, 0.75], [1, 1], [0, 1]], rules: { street_vending: { dwellSeconds: 30 } } };
const umbrella: Box = [300, 420, 560, 560];
const vendorUnder: Box = [380, 540, 440, 800];
const vendorBeside: Box = [600, 560, 660, 790];
const jitter = (b: Box, t: number): Box => b.map((v, i) => v + ((t * 7 + i) % 3) - 1) as Box;

describe('street_vending on a pavement zone drawn on the ground', () => {
  it('raises an umbrella stall by the feet of the vendor under it, although the umbrella box ends above the zone', () => {
    // The umbrella alone, judged by its box, is outside the zone: what made stalls go unreported.
    expect(boxInZone(umbrella, pavement, FRAME)).toBe(false);
    const events = runScene({
      camera: camera([pavement]),
      seconds: 120,
      at: (t): Detection[] => [det('umbrella', jitter(umbrella, t), 0.55), det('person', jitter(vendorUnder, t), 0.7)],
    });
    expect(events.map((e) => [e.type, e.kind, e.zoneId, e.label])).toEqual([['street_vending', 'violation', 'pavement', 'umbrella']]);
    // Dwell 30 s from when both stood still (the tracker needs a few frames to call them still).
    expect(secondsAfter(events[0]!)).toBeGreaterThanOrEqual(30);
    expect(secondsAfter(events[0]!)).toBeLessThanOrEqual(35);
  });

  it('projects a canopy nobody stands under down to the pavement, by the measured ratio of its width', () => {
    const [x, y] = canopyGroundPoint(umbrella);
    expect(x).toBe(430);
    expect(y).toBeCloseTo(560 + CANOPY_DROP_RATIO * 260);
    // A narrow strip of pavement (y 0.70–0.77): the canopy lands at y 742, in it; the vendor beside it
    // stands at y 790, below it; the umbrella's box ends at 560, above it. Only the projection puts the stall there.
    const strip: Zone = { ...pavement, id: 'strip', polygon: [[0, 0.7], [1, 0.7], [1, 0.77], [0, 0.77]] };
    expect(stallGroundPoints({ label: 'person', box: vendorBeside }, []).every(([, fy]) => fy > 770)).toBe(true);
    const events = runScene({
      camera: camera([strip]),
      seconds: 120,
      at: (t) => [det('umbrella', jitter(umbrella, t), 0.55), det('person', jitter(vendorBeside, t), 0.7)],
    });
    expect(events.map((e) => e.label)).toEqual(['umbrella']);
  });

  it('raises nothing when the stall stands outside the zone, whatever its umbrella reaches over', () => {
    // A zone further down the picture than the stall's footing: the canopy box overlaps nothing of it
    // either, the stall is on the pavement above it.
    const kerb: Zone = { ...pavement, id: 'kerb', polygon: [[0, 0.9], [1, 0.9], [1, 1], [0, 1]] };
    const events = runScene({
      camera: camera([kerb]),
      seconds: 300,
      at: (t) => [det('umbrella', jitter(umbrella, t), 0.55), det('person', jitter(vendorUnder, t), 0.7)],
    });
    expect(events).toEqual([]);
    // And a zone drawn in the air where the umbrella's box ends no longer catches it.
    const air: Zone = { ...pavement, id: 'air', polygon: [[0, 0.5], [1, 0.5], [1, 0.6], [0, 0.6]] };
    expect(runScene({ camera: camera([air]), seconds: 300, at: (t) => [det('umbrella', jitter(umbrella, t), 0.55), det('person', jitter(vendorUnder, t), 0.7)] })).toEqual([]);
  });

  it('raises no stall for people walking past and under an umbrella stall and a bench', () => {
    const events = runScene({
      camera: camera([pavement]),
      seconds: 900,
      at: (t) => {
        const x = ((t * 45) % 1300) - 150;
        return [
          det('umbrella', jitter(umbrella, t), 0.55),
          det('bench', [700, 820, 900, 900], 0.6),
          det('person', [x, 560, x + 60, 820]),
          det('person', [1000 - x, 600, 1060 - x, 860]),
          det('person', [x + 200, 640, x + 260, 900]),
        ];
      },
    });
    expect(events).toEqual([]);
  });

  it('does not take someone standing still behind the stall for its vendor', () => {
    // The plaza case: a person waits further up the pavement, their box touching the umbrella's in
    // the picture, their feet (y 560) far above the pavement under the canopy (y 742).
    const behind: Box = [540, 400, 590, 560];
    expect(standsAt(behind, { label: 'umbrella', box: umbrella })).toBe(false);
    expect(standsAt(vendorBeside, { label: 'umbrella', box: umbrella })).toBe(true);
    expect(standsAt(vendorUnder, { label: 'umbrella', box: umbrella })).toBe(true);
    // A vendor behind a table, seen down to its top only, stands at it; someone standing well in front
    // of it (nearer the camera, feet far below its legs) does not.
    const table: Box = [330, 640, 470, 760];
    expect(standsAt([360, 520, 420, 660], { label: 'dining table', box: table })).toBe(true);
    expect(standsAt([360, 800, 420, 1000], { label: 'dining table', box: table })).toBe(false);
    const everyone: Zone = { ...pavement, polygon: [[0, 0], [1, 0], [1, 1], [0, 1]] };
    expect(runScene({ camera: camera([everyone]), seconds: 300, at: (t) => [det('umbrella', jitter(umbrella, t), 0.55), det('person', jitter(behind, t), 0.7)] })).toEqual([]);
  });

  it('starts no stall clock from passers-by the tracker joined at one spot', () => {
    // Someone pauses under the parasol for 4 s, is gone for half a minute, and someone pauses at the
    // same spot again: the tracker may keep one "still person" since 0 s, but nobody stood there for
    // the 10 s dwell.
    const cam = camera([{ ...pavement, rules: { street_vending: { dwellSeconds: 10 } } }]);
    const pauses = (t: number): Detection[] => [det('umbrella', jitter(umbrella, t), 0.55), ...((t <= 4 || (t >= 40 && t <= 45)) ? [det('person', jitter(vendorUnder, t), 0.7)] : [])];
    expect(runScene({ camera: cam, seconds: 120, at: pauses })).toEqual([]);
    // Who stays from 40 s on is a vendor: raised 10 s after they were seen still again.
    const stays = (t: number): Detection[] => [det('umbrella', jitter(umbrella, t), 0.55), ...((t <= 4 || t >= 40) ? [det('person', jitter(vendorUnder, t), 0.7)] : [])];
    const raised = runScene({ camera: cam, seconds: 120, at: stays });
    expect(raised).toHaveLength(1);
    expect(secondsAfter(raised[0]!)).toBeGreaterThanOrEqual(50);
    expect(secondsAfter(raised[0]!)).toBeLessThanOrEqual(55);
  });

  it('places a table by its legs and every stall by its people too', () => {
    const table: Box = [330, 640, 470, 760];
    expect(stallGroundPoints({ label: 'dining table', box: table }, [])).toEqual([[400, 760]]);
    expect(stallGroundPoints({ label: 'dining table', box: table }, [{ label: 'person', box: vendorBeside }])).toEqual([[400, 760], [630, 790]]);
    // Under the canopy: the canopy stands where its people do.
    expect(stallGroundPoints({ label: 'umbrella', box: umbrella }, [{ label: 'person', box: vendorUnder }])).toEqual([[410, 800]]);
  });
});
