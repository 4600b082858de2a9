// The dedupe index for sightings on the map (real redis-server): two objects in one photo stay two
// violations, the same object in the next photo, another survey or a precise camera joins, and a
// retried report gets its first answer.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Violation } from '../../contracts/types.ts';
import { createDedupe } from '../../pipeline/dedupe/dedupe.ts';
import { offsetLatLon } from '../../pipeline/survey/georeference.ts';
import { startRedis, type TestRedis } from '../support/redis-server.ts';

const t0 = new Date('2026-03-02T02:00:00Z');
const place = (east: number) => ({ ...offsetLatLon(31.2, 121.4, east, 0), accuracyM: 3 });

function air(east: number, image: string, box: Violation['box'] = [0, 0, 10, 10], sourceId = 'survey-1'): Violation {
  return { type: 'illegal_parking', sourceId, observedAt: t0, box, score: 0.8, evidenceFrames: [], location: place(east), attributes: { image } };
}

describe('geo dedupe of survey sightings', () => {
  let redis: TestRedis;
  let client: Redis;
  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
  });
  afterAll(async () => {
    client?.disconnect();
    await redis?.stop();
  });

  it('keeps two cars of one photo apart, and joins each with its next sighting', async () => {
    const d = createDedupe(client, { prefix: 'g1' });
    const left = await d.keyFor(air(0, 'img-a', [0, 0, 10, 10]));
    const right = await d.keyFor(air(5, 'img-a', [50, 0, 60, 10])); // 5 m: within the 10 m radius, same photo
    expect(right).not.toBe(left);
    expect(await d.keyFor(air(1, 'img-b'))).toBe(left); // the next, overlapping photo
    expect(await d.keyFor(air(5.5, 'img-c', [0, 0, 10, 10], 'survey-2'))).toBe(right); // another survey
    // A retried report of a sighting gets its first answer, although its photo is now on the violation.
    expect(await d.keyFor(air(5, 'img-a', [50, 0, 60, 10]))).toBe(right);
  });

  it('joins a camera sighting with a precise ground position, not one placed at the camera', async () => {
    const d = createDedupe(client, { prefix: 'g2' });
    const fromAir = await d.keyFor(air(100, 'img-x'));
    // Placed on the ground by the camera's calibration at 4 m; at the camera's own position, ±50 m.
    const camera = (accuracyM: number, box: Violation['box'], minutes = 5): Violation => ({
      type: 'illegal_parking', sourceId: 'cam-1', zoneId: 'z', trackId: 7, observedAt: new Date(t0.getTime() + minutes * 60_000), box, score: 0.7,
      evidenceFrames: [], location: { ...place(102), accuracyM }, ...(accuracyM < 50 ? { placedOnGround: true } : {}),
    });
    expect(await d.keyFor(camera(4, [0, 0, 100, 100]))).toBe(fromAir);
    // The camera's later sightings of the same car keep that key (its own index was renamed).
    expect(await d.keyFor(camera(4, [2, 0, 102, 100], 8))).toBe(fromAir);
    expect(await d.keyFor(camera(50, [300, 0, 400, 100]))).not.toBe(fromAir);
  });
});
