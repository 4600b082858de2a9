// The tracker on synthetic detections: stable ids, and the complaint it exists for — a parked
// car briefly hidden keeps its id and its dwell clock.
import { describe, expect, it } from 'vitest';
import type { Box, Detection } from '../../contracts/types.ts';
import { createTracker, type TrackerOptions } from '../../pipeline/track/tracker.ts';
import type { TrackedObject } from '../../pipeline/track/tracked-object.ts';

const T0 = Date.parse('2026-05-04T09:00:00+08:00');
const at = (s: number) => new Date(T0 + s * 1000);
const d = (label: string, box: Box, score = 0.8): Detection => ({ label, box, score });
const jitter = (b: Box, t: number): Box => b.map((v, i) => v + ((t * 7 + i * 3) % 5) - 2) as Box;

function run(seconds: number, frame: (t: number) => Detection[] | null, options?: TrackerOptions, step = 1) {
  const tracker = createTracker(options);
  const history: TrackedObject[][] = [];
  for (let t = 0; t <= seconds; t += step) {
    const dets = frame(t);
    history[t] = dets === null ? tracker.tracks() : tracker.update(dets, at(t));
  }
  return history;
}

const carA: Box = [100, 400, 300, 520];
const carB: Box = [320, 400, 520, 520];

describe('tracker', () => {
  it('keeps one id per parked car side by side, and marks them stationary since they stopped', () => {
    const h = run(120, (t) => [d('car', jitter(carA, t)), d('car', jitter(carB, t + 1))]);
    const ids = new Set(h.flatMap((f) => f.map((x) => x.id)));
    expect(ids.size).toBe(2);
    const last = h[120]!;
    expect(last.every((x) => x.stationarySince?.getTime() === T0)).toBe(true);
    expect(last.every((x) => x.visible && x.hiddenSeconds === 0)).toBe(true);
    expect(last[0]!.firstSeen).toEqual(at(0));
    expect(last[0]!.lastSeen).toEqual(at(120));
    expect(last[0]!.history.length).toBeLessThanOrEqual(30);
  });

  it('needs three observations at one place before calling something stationary', () => {
    const h = run(2, () => [d('car', carA)]);
    expect(h[1]![0]!.stationarySince).toBeUndefined();
    expect(h[2]![0]!.stationarySince).toEqual(at(0));
  });

  it('keeps the id and the dwell clock of a parked car hidden by a passing bus', () => {
    const h = run(200, (t) => {
      if (t >= 60 && t < 100) {
        const x = (t - 60) * 15;
        return [d('bus', [x - 200, 300, x + 300, 560], 0.9)];
      }
      return [d('car', jitter(carA, t))];
    });
    const before = h[59]!.find((x) => x.label === 'car')!;
    const during = h[80]!.find((x) => x.id === before.id)!;
    const after = h[150]!.find((x) => x.label === 'car')!;
    expect(during.visible).toBe(false);
    expect(during.hiddenSeconds).toBeGreaterThan(0);
    expect(after.id).toBe(before.id);
    expect(after.stationarySince).toEqual(at(0));
    expect(h[80]!.find((x) => x.label === 'bus')!.id).not.toBe(before.id);
  });

  it('does not let a similar car driving past steal the parked car\'s id', () => {
    const h = run(120, (t) => {
      const parked = d('car', jitter(carA, t));
      if (t < 40 || t > 60) return [parked];
      // Another car drives along the same lane, fully covering the parked one for a few seconds.
      const x = (t - 40) * 20 - 100;
      const passing = d('car', [x, 405, x + 200, 525], 0.9);
      return Math.abs(x - 100) < 30 ? [passing] : [parked, passing];
    });
    const parkedId = h[30]![0]!.id;
    const end = h[120]!.find((x) => x.visible)!;
    expect(end.id).toBe(parkedId);
    expect(end.stationarySince).toEqual(at(0));
  });

  it('keeps the clock when only part of the car is seen (occluded detection)', () => {
    const h = run(100, (t) => (t >= 30 && t < 60 ? [d('car', [100, 440, 200, 520], 0.5)] : [d('car', jitter(carA, t))]));
    const ids = new Set(h.flatMap((f) => f.map((x) => x.id)));
    expect(ids.size).toBe(1);
    expect(h[100]![0]!.stationarySince).toEqual(at(0));
  });

  it('follows a pick-up the detector calls a car one frame and a truck the next, as one object', () => {
    const h = run(60, (t) => (t % 2 ? [d('truck', jitter(carA, t), 0.36), d('car', jitter(carA, t + 3), 0.35)] : [d('car', jitter(carA, t), 0.4)]));
    const ids = new Set(h.flatMap((f) => f.map((x) => x.id)));
    expect(ids.size).toBe(1);
    expect(h[60]![0]!.stationarySince).toEqual(at(0));
  });

  it('keeps a track alive on weak detections, but never starts one from them', () => {
    const h = run(400, (t) => (t < 10 ? [d('car', jitter(carA, t))] : [d('car', jitter(carA, t), 0.22)]));
    expect(h[400]!.map((x) => [x.id, x.visible])).toEqual([[1, true]]);
    const weakOnly = run(20, () => [d('car', carB, 0.22)]);
    expect(weakOnly[20]).toEqual([]);
  });

  it('forgets a moving object quickly and a stationary one after its memory', () => {
    const moving = run(10, (t) => (t < 5 ? [d('person', [t * 12, 100, t * 12 + 40, 200])] : []));
    expect(moving[5]!.length).toBe(1);
    expect(moving[10]!.length).toBe(0);
    const parked = run(300, (t) => (t < 30 ? [d('car', carA)] : []), { stationaryMemorySeconds: 120 });
    expect(parked[140]!.length).toBe(1);
    expect(parked[160]!.length).toBe(0);
  });

  it('does not age tracks while there are no frames (stream down): only watched time counts', () => {
    // Frames every second until 30 s, none for an hour, then the car is there again.
    const tracker = createTracker();
    for (let t = 0; t <= 30; t++) tracker.update([d('car', jitter(carA, t))], at(t));
    const id = tracker.tracks()[0]!.id;
    tracker.update([], at(3630)); // the first frame after the outage misses it (someone walks by)
    const back = tracker.update([d('car', carA)], at(3631));
    expect(back.map((x) => x.id)).toEqual([id]);
    expect(back[0]!.stationarySince).toEqual(at(0));
  });

  it('gives walkers who cross the same spot one after another no stationary track', () => {
    const h = run(300, (t) => {
      const x = (t * 40) % 1200 - 100;
      return [d('person', [x, 600, x + 50, 800]), d('person', [1000 - x, 650, 1050 - x, 850])];
    });
    expect(h.flat().filter((x) => x.stationarySince)).toEqual([]);
  });
});
