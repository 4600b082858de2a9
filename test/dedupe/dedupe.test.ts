// The dedupe index on a real redis-server: box overlap per camera and zone, distance for
// geolocated sightings, sliding time windows, and one answer for simultaneous workers.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Violation } from '../../contracts/types.ts';
import { createDedupe } from '../../pipeline/dedupe/dedupe.ts';
import { startRedis, type TestRedis } from '../support/redis-server.ts';

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

  it('keeps working when Redis restarts and has forgotten its scripts', async () => {
    const d = createDedupe(a, { prefix: 't6' });
    const key = await d.keyFor(camera());
    await redis.restart();
    await a.ping();
    expect(await d.keyFor(camera({ observedAt: at(1) }))).toBe(key); // AOF kept the index
  });
});
