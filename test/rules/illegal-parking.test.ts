// 违停 on synthetic scenes with an injected clock: dwell, warning, schedules, occlusion gaps, zone
// edges, moving vs stationary. The tracker is the real one.
import { describe, expect, it } from 'vitest';
import type { Zone } from '../../contracts/camera.ts';
import type { Box } from '../../contracts/types.ts';
import { illegalParking } from '../../pipeline/rules/illegal-parking.ts';
import type { Candidate } from '../../pipeline/rules/rule-types.ts';
import type { TrackedObject } from '../../pipeline/track/tracked-object.ts';
import { camera, det, FRAME, MONDAY_9AM, runScene, secondsAfter } from './scene.ts';

const kerb: Zone = { id: 'kerb', kind: 'no_parking', polygon: [[0.2, 0.4], [0.8, 0.4], [0.8, 0.8], [0.2, 0.8]] };
const parked: Box = [400, 500, 600, 700]; // bottom centre (0.5, 0.7): inside
const jitter = (b: Box, t: number): Box => b.map((v, i) => v + ((t * 7 + i * 3) % 5) - 2) as Box;
const only = (type: string) => (e: { type: string }) => e.type === type;

describe('illegal_parking', () => {
  it('warns after warnAfter, confirms after dwell, once, over two hours of scene time', () => {
    const events = runScene({
      camera: camera([kerb], { illegal_parking: { dwellSeconds: 300, warnAfterSeconds: 60 } }),
      seconds: 2 * 3600,
      at: (t) => [det('car', jitter(parked, t))],
    }).filter(only('illegal_parking'));
    expect(events.map((e) => e.kind)).toEqual(['warning', 'violation']);
    expect(secondsAfter(events[0]!)).toBe(60);
    expect(secondsAfter(events[1]!)).toBe(300);
    expect(events[1]!.startedAt).toEqual(MONDAY_9AM);
    expect(events[1]!.zoneId).toBe('kerb');
    expect(events[0]!.trackId).toBe(events[1]!.trackId);
  });

  it('uses the defaults: 300 s dwell, warning at 60 s', () => {
    const events = runScene({ camera: camera([kerb]), seconds: 900, at: (t) => [det('truck', jitter(parked, t))] });
    expect(events.map((e) => [e.kind, secondsAfter(e)])).toEqual([['warning', 60], ['violation', 300]]);
  });

  it('never fires for a car driving slowly through the zone, nor for a person standing in it', () => {
    const events = runScene({
      camera: camera([kerb], { illegal_parking: { dwellSeconds: 10 } }),
      seconds: 600,
      // 15 px/s: consecutive boxes overlap (one track), but it never stays put.
      at: (t) => [det('car', [t * 15 - 200, 500, t * 15, 700]), det('person', [450, 500, 500, 700])],
    });
    expect(events).toEqual([]);
  });

  it('keeps the dwell clock through a bus passing in front (occlusion gap) and a partly hidden car', () => {
    const events = runScene({
      camera: camera([kerb], { illegal_parking: { dwellSeconds: 300, warnAfterSeconds: 60 } }),
      seconds: 1200,
      at: (t) => {
        if (t >= 100 && t < 160) {
          // A bus stands in front: the car is not detected at all, the bus is.
          return [det('bus', [200 + (t - 100) * 2, 350, 750 + (t - 100) * 2, 720])];
        }
        if (t >= 200 && t < 260) return [det('car', [400, 600, 500, 700], 0.5)]; // half of it visible
        return [det('car', jitter(parked, t))];
      },
    });
    const violations = events.filter((e) => e.kind === 'violation');
    expect(violations).toHaveLength(1);
    expect(secondsAfter(violations[0]!)).toBe(300);
    expect(violations[0]!.label).toBe('car');
  });

  it('raises on the first frame that shows the car again when it was hidden at the dwell limit', () => {
    const events = runScene({
      camera: camera([kerb], { illegal_parking: { dwellSeconds: 300, warnAfterSeconds: 60 } }),
      seconds: 600,
      at: (t) => (t >= 290 && t < 320 ? [] : [det('car', jitter(parked, t))]),
    });
    expect(events.filter((e) => e.kind === 'violation').map((e) => secondsAfter(e))).toEqual([320]);
  });

  it('still warns first when one frame crosses both limits (sparse frames)', () => {
    const events = runScene({
      camera: camera([kerb], { illegal_parking: { dwellSeconds: 60, warnAfterSeconds: 30 } }),
      seconds: 300,
      everySeconds: 40,
      at: (t) => [det('car', jitter(parked, t))],
    });
    expect(events.map((e) => [e.kind, secondsAfter(e)])).toEqual([['warning', 80], ['violation', 80]]);
  });

  it('does not report the same car again after the stream was down for ten minutes', () => {
    const events = runScene({
      camera: camera([kerb], { illegal_parking: { dwellSeconds: 60, warnAfterSeconds: 30 } }),
      seconds: 3600,
      everySeconds: 5,
      // Stream down from 600 s to 1200 s: no frames at all, then the car is still there.
      at: (t) => (t > 600 && t < 1200 ? null : [det('car', jitter(parked, t))]),
    });
    expect(events.filter((e) => e.kind === 'violation')).toHaveLength(1);
  });

  it('reports a different car parking in the same spot after the first one left', () => {
    const events = runScene({
      camera: camera([kerb], { illegal_parking: { dwellSeconds: 60, warnAfterSeconds: 30 } }),
      seconds: 1500,
      at: (t) => (t < 400 ? [det('car', jitter(parked, t))] : t < 800 ? [] : [det('car', jitter([420, 510, 620, 705], t))]),
    });
    const v = events.filter((e) => e.kind === 'violation');
    expect(v.map((e) => secondsAfter(e))).toEqual([60, 860]);
    expect(v[0]!.trackId).not.toBe(v[1]!.trackId);
  });

  it('judges the zone edge by the bottom-centre point', () => {
    const cam = camera([kerb], { illegal_parking: { dwellSeconds: 10 } });
    const inside = runScene({ camera: cam, seconds: 60, at: () => [det('car', [300, 600, 500, 800])] }); // (0.4, 0.8): on the edge
    const outside = runScene({ camera: cam, seconds: 60, at: () => [det('car', [300, 600, 500, 801])] }); // (0.4, 0.801)
    const leftOut = runScene({ camera: cam, seconds: 60, at: () => [det('car', [0, 500, 398, 700])] }); // x 0.199
    expect(inside.filter((e) => e.kind === 'violation')).toHaveLength(1);
    expect(outside).toEqual([]);
    expect(leftOut).toEqual([]);
  });

  it('starts the clock when the sign hours begin, and stops it when they end', () => {
    const signed: Zone = { ...kerb, schedule: [{ start: '07:00', end: '20:00' }] };
    const cam = camera([signed], { illegal_parking: { dwellSeconds: 300, warnAfterSeconds: 60 } }, 'Asia/Shanghai');
    const morning = runScene({ camera: cam, start: new Date('2026-05-04T06:50:00+08:00'), seconds: 1800, at: (t) => [det('car', jitter(parked, t))] });
    expect(morning.map((e) => [e.kind, e.at.toISOString()])).toEqual([
      ['warning', '2026-05-03T23:01:00.000Z'],
      ['violation', '2026-05-03T23:05:00.000Z'],
    ]);
    expect(morning[1]!.startedAt.toISOString()).toBe('2026-05-03T23:00:00.000Z');
    // Parked at 19:58: the sign's hours end before the dwell does.
    const evening = runScene({ camera: cam, start: new Date('2026-05-04T19:58:00+08:00'), seconds: 3600, at: (t) => [det('car', jitter(parked, t))] });
    expect(evening.filter((e) => e.kind === 'violation')).toEqual([]);
  });

  it('honours per-zone settings and labels', () => {
    const strict: Zone = { ...kerb, id: 'hydrant', rules: { illegal_parking: { dwellSeconds: 30, warnAfterSeconds: 10, labels: ['motorcycle'] } } };
    const cam = camera([strict]);
    expect(runScene({ camera: cam, seconds: 300, at: () => [det('car', parked)] })).toEqual([]);
    const moto = runScene({ camera: cam, seconds: 300, at: () => [det('motorcycle', [480, 600, 520, 700])] });
    expect(moto.map((e) => [e.kind, secondsAfter(e)])).toEqual([['warning', 10], ['violation', 30]]);
    const off = camera([{ ...kerb, rules: { illegal_parking: { enabled: false } } }]);
    expect(runScene({ camera: off, seconds: 900, at: () => [det('car', parked)] })).toEqual([]);
  });

  it('is a pure function of its inputs', () => {
    const track: TrackedObject = {
      id: 7, label: 'car', history: [], firstSeen: MONDAY_9AM, lastSeen: MONDAY_9AM, stationarySince: MONDAY_9AM,
      box: parked, score: 0.9, visible: true, hiddenSeconds: 0,
    };
    const input = { now: new Date(MONDAY_9AM.getTime() + 400_000), tracks: [track], camera: camera([kerb]), frameSize: FRAME };
    const before: Map<number, Candidate> = new Map([[7, { zoneId: 'kerb', startedAt: MONDAY_9AM, warned: true, violated: false, heldAt: MONDAY_9AM }]]);
    const snapshot = JSON.stringify([...before]);
    const a = illegalParking(before, input);
    const b = illegalParking(before, input);
    expect(a).toEqual(b);
    expect(a.events.map((e) => e.kind)).toEqual(['violation']);
    expect(JSON.stringify([...before])).toBe(snapshot);
  });
});
