// 违停 among traffic and in rows: a vehicle that drives through a still one's place ends it, a jam
// where everything stopped is judged by the dwell, a car of the next row grazing the strip is
// judged by its wheels, a parked car whose track splits gives one case, and the identity setting.
import { describe, expect, it } from 'vitest';
import { parseCameraConfig, type Zone } from '../../contracts/camera.ts';
import type { Box } from '../../contracts/types.ts';
import { illegalParking } from '../../pipeline/rules/illegal-parking.ts';
import type { RuleEvent } from '../../pipeline/rules/rule-types.ts';
import { wheelsInZone } from '../../pipeline/rules/zones.ts';
import { evaluateCameraRules, type CameraRulesState } from '../../pipeline/rules/camera-rules.ts';
import type { Sighting } from '../../pipeline/track/appearance.ts';
import { createTracker } from '../../pipeline/track/tracker.ts';
import type { TrackedObject } from '../../pipeline/track/tracked-object.ts';
import { camera, det, FRAME, MONDAY_9AM, runScene, secondsAfter } from './scene.ts';

const lane: Zone = { id: 'lane', kind: 'no_parking', polygon: [[0, 0.4], [1, 0.4], [1, 0.8], [0, 0.8]] };
const P: Box = [400, 500, 600, 700];
const violationsOf = (events: RuleEvent[]) => events.filter((e) => e.type === 'illegal_parking' && e.kind === 'violation');

describe('illegal_parking and traffic', () => {
  it('restarts the clock of a car whose place another car drove through while it was out of sight', () => {
    const events = runScene({
      camera: camera([lane], { illegal_parking: { dwellSeconds: 60 } }),
      seconds: 200,
      at: (t) => {
        if (t < 40 || t > 55) return [det('car', P)];
        // Unseen for 16 s while another car drives from the left through its place and on.
        const x = -200 + (t - 40) * 60;
        return [det('car', [x, 500, x + 200, 700])];
      },
    });
    const raised = violationsOf(events);
    // Without the rule the car seen again at 56 s would keep its clock from 0 s and be raised at once.
    expect(raised).toHaveLength(1);
    expect(secondsAfter(raised[0]!)).toBeGreaterThanOrEqual(56 + 60);
  });

  it('keeps the clock of a car that a bus in the nearer lane hides for a while', () => {
    const events = runScene({
      camera: camera([lane], { illegal_parking: { dwellSeconds: 60 } }),
      seconds: 120,
      at: (t) => {
        if (t < 20 || t > 35) return [det('car', P)];
        const x = -300 + (t - 20) * 60;
        return [det('bus', [x, 420, x + 400, 780])];
      },
    });
    expect(violationsOf(events).map((e) => secondsAfter(e))).toEqual([60]);
  });

  it('judges a jam where everything stopped by the dwell: each stopped car is raised', () => {
    const events = runScene({
      camera: camera([lane], { illegal_parking: { dwellSeconds: 120 } }),
      seconds: 200,
      at: () => [det('car', [100, 500, 300, 700]), det('car', P), det('car', [700, 500, 900, 700])],
    });
    expect(violationsOf(events).map((e) => secondsAfter(e))).toEqual([120, 120, 120]);
  });
});

describe('illegal_parking in a row', () => {
  const strip: Zone = { id: 'strip', kind: 'no_parking', polygon: [[0, 0.5], [1, 0.5], [1, 0.7], [0, 0.7]] };

  it('judges a car of the next row by its wheels, not by its box grazing the strip', () => {
    // Box bottom 10 px inside the strip (y 500-700 of 1000): its wheels stand behind it.
    expect(wheelsInZone([400, 360, 600, 510], strip, FRAME)).toBe(false);
    expect(wheelsInZone([400, 480, 600, 650], strip, FRAME)).toBe(true);
    const events = runScene({
      camera: camera([strip], { illegal_parking: { dwellSeconds: 30 } }),
      seconds: 90,
      at: () => [det('car', [100, 480, 300, 650]), det('car', [400, 360, 600, 510]), det('car', [700, 490, 900, 660])],
    });
    expect(violationsOf(events).map((e) => e.box[0])).toEqual([100, 700]);
  });

  it('gives one case for a parked car whose track splits', () => {
    // No looks (no embedder): a box that stops fitting where the car stopped makes a second track.
    const tracker = createTracker({ stationaryMemorySeconds: 600 });
    const cam = camera([strip], { illegal_parking: { dwellSeconds: 30 } });
    let state: CameraRulesState = {};
    const raised: RuleEvent[] = [];
    for (let t = 0; t <= 200; t++) {
      const now = new Date(MONDAY_9AM.getTime() + t * 1000);
      // At 100 s the detector returns a box that no longer fits where the car stopped (a loose box):
      // the tracker starts a second track on the same car.
      const box: Box = t < 100 ? [400, 480, 600, 650] : [360, 460, 660, 655];
      const sightings: Sighting[] = [{ label: 'car', box, score: 0.6 }];
      const tracks = tracker.update(sightings, now);
      const r = evaluateCameraRules(state, { now, tracks, camera: cam, frameSize: FRAME });
      state = r.state;
      raised.push(...violationsOf(r.events));
    }
    expect(new Set(tracker.tracks().map((t) => t.id)).size).toBe(2);
    expect(raised).toHaveLength(1);
  });
});

describe('sameVehicleSimilarity', () => {
  const track = (similarity: number): TrackedObject => ({
    id: 1, label: 'car', history: [], firstSeen: MONDAY_9AM, lastSeen: MONDAY_9AM, stationarySince: MONDAY_9AM,
    box: P, score: 0.6, visible: true, hiddenSeconds: 0, stillSince: MONDAY_9AM, appearanceSimilarity: similarity,
  });
  const judge = (similarity: number, setting?: number) =>
    illegalParking(new Map(), {
      now: new Date(MONDAY_9AM.getTime() + 400_000),
      tracks: [track(similarity)],
      camera: camera([lane], { illegal_parking: { dwellSeconds: 300, ...(setting !== undefined ? { sameVehicleSimilarity: setting } : {}) } }),
      frameSize: FRAME,
    }).events.filter((e) => e.kind === 'violation');

  it('raises only a vehicle that still looks like it did when first seen still, and says how alike', () => {
    expect(judge(0.93)[0]!.attributes?.reason).toBe('same vehicle, similarity 0.93, still from 09:00:00 to 09:06:40');
    expect(judge(0.7)).toEqual([]);
    expect(judge(0.7, 0.6)).toHaveLength(1);
  });

  it('is refused outside 0-1 and for other types', () => {
    const base = { id: 'c', url: 'rtsp://x/y', zones: [{ id: 'z', kind: 'no_parking', polygon: [[0, 0], [1, 0], [1, 1]] }] };
    expect(() => parseCameraConfig({ ...base, rules: { illegal_parking: { sameVehicleSimilarity: 1.5 } } }, 'c.json')).toThrow(/rules\.illegal_parking\.sameVehicleSimilarity: must be a number from 0 to 1, got 1\.5/);
    expect(() => parseCameraConfig({ ...base, rules: { street_vending: { sameVehicleSimilarity: 0.8 } } }, 'c.json')).toThrow(/rules\.street_vending\.sameVehicleSimilarity: applies to illegal_parking only/);
    expect(parseCameraConfig({ ...base, rules: { illegal_parking: { sameVehicleSimilarity: 0.85 } } }, 'c.json').rules?.illegal_parking?.sameVehicleSimilarity).toBe(0.85);
  });
});
