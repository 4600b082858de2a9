// 占道经营 on synthetic scenes with an injected clock: a stall with its vendor, walkers, a prop
// alone, a vendor stepping away, zone kinds and schedules.
import { describe, expect, it } from 'vitest';
import type { Zone } from '../../contracts/camera.ts';
import type { Box, Detection } from '../../contracts/types.ts';
import { camera, det, runScene, secondsAfter } from './scene.ts';

const sidewalk: Zone = { id: 'walk', kind: 'sidewalk', polygon: [[0, 0.5], [1, 0.5], [1, 1], [0, 1]] };
const umbrella: Box = [300, 500, 500, 700];
const table: Box = [330, 640, 470, 760];
const vendor: Box = [500, 560, 560, 760];
const jitter = (b: Box, t: number): Box => b.map((v, i) => v + ((t * 5 + i) % 3) - 1) as Box;
const stall = (t: number): Detection[] => [det('umbrella', jitter(umbrella, t), 0.6), det('dining table', jitter(table, t), 0.5), det('person', jitter(vendor, t))];

describe('street_vending', () => {
  it('reports a stall with its vendor once after the dwell (default 120 s), however many props it has', () => {
    const events = runScene({ camera: camera([sidewalk]), seconds: 3600, at: stall });
    expect(events.map((e) => [e.type, e.kind, secondsAfter(e)])).toEqual([['street_vending', 'violation', 120]]);
    const v = events[0]!;
    expect(['umbrella', 'dining table']).toContain(v.label);
    expect(v.relatedTrackIds).toHaveLength(1);
    // The box covers the stall and the vendor.
    expect(v.box[0]).toBeLessThanOrEqual(300);
    expect(v.box[2]).toBeGreaterThanOrEqual(560);
  });

  it('never fires for people walking through, with or without luggage, past a bench', () => {
    const events = runScene({
      camera: camera([sidewalk], { street_vending: { dwellSeconds: 10 } }),
      seconds: 1800,
      at: (t) => {
        const x = (t * 40) % 1200 - 100; // walkers cross every 30 s
        return [
          det('person', [x, 600, x + 50, 800]),
          det('person', [1000 - x, 650, 1050 - x, 850]),
          det('suitcase', [x + 40, 740, x + 80, 800], 0.5),
          det('bench', [700, 700, 900, 780], 0.6),
        ];
      },
    });
    expect(events).toEqual([]);
  });

  it('does not report a prop without a vendor, nor a vendor without props', () => {
    const cam = camera([sidewalk], { street_vending: { dwellSeconds: 10 } });
    expect(runScene({ camera: cam, seconds: 900, at: (t) => [det('umbrella', jitter(umbrella, t))] })).toEqual([]);
    expect(runScene({ camera: cam, seconds: 900, at: (t) => [det('person', jitter(vendor, t))] })).toEqual([]);
  });

  it('keeps the clock while the vendor steps away briefly, restarts it after a long absence', () => {
    const cam = camera([sidewalk]);
    const brief = runScene({ camera: cam, seconds: 600, at: (t) => (t >= 60 && t < 90 ? stall(t).slice(0, 2) : stall(t)) });
    expect(brief.map((e) => secondsAfter(e))).toEqual([120]);
    // Gone for 5 minutes from 60 s: the stall is unattended, the clock starts again when the vendor is back at 360 s.
    const long = runScene({ camera: cam, seconds: 900, at: (t) => (t >= 60 && t < 360 ? stall(t).slice(0, 2) : stall(t)) });
    expect(long.map((e) => secondsAfter(e))).toEqual([480]);
  });

  it('applies only in sidewalk and roadway zones, when they are active', () => {
    const noParking: Zone = { ...sidewalk, kind: 'no_parking' };
    expect(runScene({ camera: camera([noParking]), seconds: 900, at: stall })).toEqual([]);
    const road: Zone = { ...sidewalk, kind: 'roadway', rules: { street_vending: { dwellSeconds: 300, warnAfterSeconds: 100 } } };
    expect(runScene({ camera: camera([road]), seconds: 900, at: stall }).map((e) => [e.kind, secondsAfter(e)])).toEqual([['warning', 100], ['violation', 300]]);
    const nights: Zone = { ...sidewalk, schedule: [{ start: '18:00', end: '23:00' }] };
    expect(runScene({ camera: camera([nights]), seconds: 900, at: stall })).toEqual([]); // 09:00-09:15
    const upper: Zone = { ...sidewalk, polygon: [[0, 0], [1, 0], [1, 0.5], [0, 0.5]] };
    expect(runScene({ camera: camera([upper]), seconds: 900, at: stall })).toEqual([]);
  });
});
