// The dedupe index on a real redis-server: box overlap per camera and zone, distance for
// geolocated sightings, sliding time windows, and one answer for simultaneous workers.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Violation } from '../../contracts/types.ts';
import { CAMERA_POSITION_ACCURACY_M, placeSighting } from '../../pipeline/cameras/frame-analysis.ts';
import { fitGroundPlane } from '../../pipeline/cameras/ground-plane.ts';
import { createDedupe } from '../../pipeline/dedupe/dedupe.ts';
import { DEFAULT_DEDUPE } from '../../pipeline/dedupe/settings.ts';
import { distanceM } from '../../pipeline/survey/georeference.ts';
import { startRedis, type TestRedis } from '../support/redis-server.ts';
import { CLICK_NOISE, marks, pixelOf, roadPoint, SIX_MARKS, STREET_CAMERA as cam } from '../support/street-camera.ts';

const t0 = Date.parse('2026-03-02T02:00:00Z');
const at = (minutes: number) => new Date(t0 + minutes * 60_000);

function camera(overrides: Partial<Violation> = {}): Violation {
  return { type: 'illegal_parking', sourceId: 'cam-1', zoneId: 'z1', observedAt: at(0), box: [100, 100, 200, 180], score: 0.8, evidenceFrames: [], trackId: 1, ...overrides };
}

/** A point `metres` north of a base position (1° latitude ≈ 111 195 m). */
function survey(metresNorth: number, overrides: Partial<Violation> = {}): Violation {
  return {
    type: 'exposed_garbage',
    sourceId: 'survey-7',
    observedAt: at(0),
    box: [0, 0, 10, 10],
    score: 0.7,
    evidenceFrames: [],
    location: { lat: 31.2 + metresNorth / 111_195, lon: 121.4, accuracyM: 3 },
    ...overrides,
  };
}

describe('dedupe', () => {
  let redis: TestRedis;
  let a: Redis;
  let b: Redis;
  beforeAll(async () => {
    redis = await startRedis();
    a = new Redis(redis.url);
    b = new Redis(redis.url);
  });
  afterAll(async () => {
    a?.disconnect();
    b?.disconnect();
    await redis?.stop();
  });

  it('matches overlapping boxes (IoU ≥ 0.5) in the same camera and zone, and nothing else', async () => {
    const d = createDedupe(a, { prefix: 't1' });
    const key = await d.keyFor(camera());
    expect(key).toMatch(/^illegal_parking:/);
    expect(await d.keyFor(camera({ box: [110, 105, 210, 185], observedAt: at(5), trackId: 9 }))).toBe(key); // IoU ≈ 0.75
    expect(await d.keyFor(camera({ box: [150, 100, 250, 180], observedAt: at(6) }))).not.toBe(key); // IoU = 1/3
    expect(await d.keyFor(camera({ zoneId: 'z2', observedAt: at(6) }))).not.toBe(key);
    expect(await d.keyFor(camera({ sourceId: 'cam-2', observedAt: at(6) }))).not.toBe(key);
    expect(await d.keyFor(camera({ type: 'street_vending', observedAt: at(6) }))).not.toBe(key);
  });

  it('keeps one violation while sightings come within the window, and starts a new one after a gap', async () => {
    const d = createDedupe(a, { prefix: 't2', settings: { illegal_parking: { radiusM: 10, windowSeconds: 600, minIou: 0.5 } } });
    const key = await d.keyFor(camera());
    expect(await d.keyFor(camera({ observedAt: at(9) }))).toBe(key);
    expect(await d.keyFor(camera({ observedAt: at(18) }))).toBe(key); // window slides with each sighting
    expect(await d.keyFor(camera({ observedAt: at(29) }))).not.toBe(key); // 11 minutes of silence
  });

  it('matches geolocated sightings of one type within the type radius', async () => {
    const d = createDedupe(a, { prefix: 't3' });
    const key = await d.keyFor(survey(0));
    expect(await d.keyFor(survey(12, { observedAt: at(60) }))).toBe(key); // garbage: 15 m
    expect(await d.keyFor(survey(40, { observedAt: at(60) }))).not.toBe(key);
    expect(await d.keyFor(survey(0, { type: 'illegal_construction' }))).not.toBe(key);
    const parked = await d.keyFor(survey(1000, { type: 'illegal_parking' }));
    expect(await d.keyFor(survey(1008, { type: 'illegal_parking' }))).toBe(parked); // parking: 10 m
    expect(await d.keyFor(survey(1013, { type: 'illegal_parking' }))).not.toBe(parked);
    expect(await d.keyFor(survey(0, { observedAt: at(60 * 26) }))).not.toBe(key); // past garbage's 24 h window
  });

  it('gives two workers seeing the same thing at the same moment one key', async () => {
    for (let round = 0; round < 20; round++) {
      const prefix = `race-${round}`;
      const w1 = createDedupe(a, { prefix });
      const w2 = createDedupe(b, { prefix });
      const sightings = [
        w1.keyFor(camera({ trackId: 1 })),
        w2.keyFor(camera({ trackId: 2, box: [101, 99, 201, 181] })),
        w1.keyFor(survey(0)),
        w2.keyFor(survey(3)),
      ];
      const [c1, c2, g1, g2] = await Promise.all(sightings);
      expect(c1).toBe(c2);
      expect(g1).toBe(g2);
    }
  });

  it('gives a retried report of the same sighting the same key', async () => {
    const d = createDedupe(a, { prefix: 't5' });
    const v = survey(500);
    expect(await d.keyFor(v)).toBe(await d.keyFor(v));
  });

  describe('a street camera and a drone seeing the same parked car', () => {
    // The drone places the car's middle, 22 m ahead of the camera and 3.5 m right, by the kerb; the
    // camera's box stands on the car's near end, 2 m closer.
    const carMiddle = roadPoint(cam, 22, 3.5);
    const [x, y] = pixelOf(cam, roadPoint(cam, 20, 3.5))!;
    const box: Violation['box'] = [x - 70, y - 60, x + 70, y];
    const pole = { lat: cam.lat, lon: cam.lon };
    const drone = (type: Violation['type'], where: { lat: number; lon: number }): Violation => ({
      type, sourceId: 'survey-3', observedAt: at(0), box: [0, 0, 10, 10], score: 0.7, evidenceFrames: [],
      location: { ...where, accuracyM: 3 }, attributes: { image: 'sha-of-DJI_0042' },
    });
    const seen = (type: Violation['type'], place: Pick<Violation, 'location' | 'placedOnGround'>): Violation =>
      camera({ type, sourceId: 'cam-kerb', zoneId: 'kerb', trackId: 3, observedAt: at(4), box, ...place });

    it('folds a calibrated camera\'s sighting into the drone\'s case', async () => {
      const d = createDedupe(a, { prefix: 'ground-1' });
      const fromAir = await d.keyFor(drone('illegal_parking', carMiddle));
      const place = placeSighting(box, fitGroundPlane(marks(cam, SIX_MARKS, CLICK_NOISE)), pole);
      expect(place.placedOnGround).toBe(true);
      expect(place.location!.accuracyM).toBeLessThanOrEqual(DEFAULT_DEDUPE.illegal_parking.radiusM);
      expect(distanceM(place.location!, carMiddle)).toBeLessThan(3);
      expect(await d.keyFor(seen('illegal_parking', place))).toBe(fromAir);
      // The camera's next sighting of the car, a box that barely moved, stays in that case.
      expect(await d.keyFor({ ...seen('illegal_parking', place), observedAt: at(9), box: [box[0] + 2, box[1], box[2] + 2, box[3]] })).toBe(fromAir);
    });

    it('keeps an uncalibrated camera\'s sighting, placed at its pole, out of the drone\'s case', async () => {
      const d = createDedupe(a, { prefix: 'ground-2' });
      const fromAir = await d.keyFor(drone('illegal_parking', carMiddle));
      const place = placeSighting(box, undefined, pole);
      expect(place).toEqual({ location: { ...pole, accuracyM: CAMERA_POSITION_ACCURACY_M } });
      expect(await d.keyFor(seen('illegal_parking', place))).not.toBe(fromAir);
    });

    it('keeps it out even where the type\'s radius is as wide as the camera position is vague (muck trucks, 50 m)', async () => {
      expect(DEFAULT_DEDUPE.uncovered_muck_truck.radiusM).toBeGreaterThanOrEqual(CAMERA_POSITION_ACCURACY_M);
      const d = createDedupe(a, { prefix: 'ground-3' });
      const fromAir = await d.keyFor(drone('uncovered_muck_truck', roadPoint(cam, 20, 0)));
      expect(await d.keyFor(seen('uncovered_muck_truck', placeSighting(box, undefined, pole)))).not.toBe(fromAir);
    });

    it('places a box the calibration cannot reach at the pole', () => {
      const plane = fitGroundPlane(marks(cam, SIX_MARKS));
      expect(placeSighting([600, 20, 680, 90], plane, pole)).toEqual({ location: { ...pole, accuracyM: CAMERA_POSITION_ACCURACY_M } }); // the sky
      expect(placeSighting([600, 20, 680, 90], plane, undefined)).toEqual({});
    });
  });

  it('keeps working when Redis restarts and has forgotten its scripts', async () => {
    const d = createDedupe(a, { prefix: 't6' });
    const key = await d.keyFor(camera());
    await redis.restart();
    await a.ping();
    expect(await d.keyFor(camera({ observedAt: at(1) }))).toBe(key); // AOF kept the index
  });
});
