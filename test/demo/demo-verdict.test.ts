// The demo learning from its reviews (npm start → scripts/demo/run-demo.ts), headless: the bus-stop
// camera raises its parked cars and its waiting buses alike as illegal parking, as a dwell rule
// must; a reviewer rejects the buses and confirms the cars through the API, as on the review page;
// the training service beside the API trains a verdict model on those reviews, promotes it by the
// stated rule, and the cases still waiting for review get its score: the open bus a lower one than
// the open car. Real redis-server, API on PGlite, loopback RTSP cameras, the camera worker and the
// real backbone; nothing here knows what the model will say except that buses were rejected.
import { expect, it } from 'vitest';
import { DEMO_AFTER_REVIEWS } from '../../scripts/demo/training-loop.ts';
import { testDemo } from '../support/demo.ts';
import { until } from '../support/until.ts';

const run = testDemo('demo-verdict', { survey: false, verifyAfterSeconds: 0 });

interface CaseItem {
  id: number;
  status: string;
  source: { id: string };
  verdict: { score: number; modelId: string | null; held: boolean } | null;
}

/**
 * The composition (samples/scenarios/street/bus-stop-kerb.json) parks the cars on the left of both
 * kerbs and stops the buses on the right: a box centred right of x 440 (of 768) is a bus.
 */
const BUS_FROM_X = 440;

it('trains a verdict model on the bus-stop camera’s reviews, promotes it, and scores the open cases: the bus below the car', async () => {
  const d = await run.start();
  const lines = run.lines;
  const headers = { authorization: `Bearer ${d.keys.reviewer}`, 'content-type': 'application/json' };
  const busStopCases = async (): Promise<CaseItem[]> => {
    const res = await fetch(`${d.urls.api}/v1/cases?limit=200&sort=oldest`, { headers });
    expect(res.status).toBe(200);
    return ((await res.json()) as { items: CaseItem[] }).items.filter((c) => c.source.id === 'demo-bus-stop');
  };
  const isBus = async (id: number): Promise<boolean> => {
    const res = await fetch(`${d.urls.api}/v1/cases/${id}`, { headers });
    const [first] = ((await res.json()) as { observations: Array<{ box: [number, number, number, number] }> }).observations;
    return (first!.box[0] + first!.box[2]) / 2 > BUS_FROM_X;
  };

  // Five cars and five buses stand long enough; the reviewer needs one of each left open.
  const perKind = DEMO_AFTER_REVIEWS / 2;
  let buses: number[] = [];
  let cars: number[] = [];
  await until(
    async () => {
      const items = await busStopCases();
      const kinds = await Promise.all(items.map((c) => isBus(c.id)));
      buses = items.filter((_, i) => kinds[i]).map((c) => c.id);
      cars = items.filter((_, i) => !kinds[i]).map((c) => c.id);
      return buses.length > perKind && cars.length > perKind;
    },
    150_000,
    `more than ${perKind} bus and car cases at the bus stop`,
  );

  // The reviews: buses waiting at their stop are not illegal parking.
  for (const id of buses.slice(0, perKind)) {
    const res = await fetch(`${d.urls.api}/v1/cases/${id}/reject`, { method: 'POST', headers, body: JSON.stringify({ reason: '公交车在站台候车，不是违停' }) });
    expect(res.status, await res.text()).toBe(200);
  }
  for (const id of cars.slice(0, perKind)) {
    const res = await fetch(`${d.urls.api}/v1/cases/${id}/confirm`, { method: 'POST', headers, body: '{}' });
    expect(res.status, await res.text()).toBe(200);
  }

  // The training service looks every 20 s, trains, and re-scores the open cases on promotion.
  await until(async () => lines.some((l) => /training +verdict-illegal-parking-\d+ (promoted|not promoted)/.test(l)), 120_000, 'a verdict model trained on the reviews');
  const decision = lines.find((l) => /training +verdict-illegal-parking-\d+ (promoted|not promoted)/.test(l))!;
  expect(decision).toMatch(/promoted: new sightings are scored with it \(balanced accuracy [\d.]+ ≥ chance 0\.500 \+ 0\.1 \(no live version\)\)/);
  const modelId = /(verdict-illegal-parking-\d+)/.exec(decision)![1]!;

  const openBus = buses[perKind]!;
  const openCar = cars[perKind]!;
  const scored = async () => {
    const byId = new Map((await busStopCases()).map((c) => [c.id, c]));
    return [byId.get(openBus)!, byId.get(openCar)!];
  };
  await until(async () => (await scored()).every((c) => c.verdict?.modelId === modelId), 60_000, `the open cases scored by ${modelId}`);
  const [bus, car] = await scored();
  expect(bus!.status).toBe('pending_review');
  expect(car!.status).toBe('pending_review');
  expect(bus!.verdict!.score).toBeLessThan(car!.verdict!.score);
  expect(lines.some((l) => new RegExp(`training +\\d+ open illegal_parking cases? scored by ${modelId}`).test(l))).toBe(true);

  // The models page's API lists the version with the rule's reasons and who promoted it.
  const models = await fetch(`${d.urls.api}/v1/models/versions?target=verdict_illegal_parking`, { headers: { authorization: `Bearer ${d.keys.firstAdmin}` } });
  expect(models.status).toBe(200);
  expect(JSON.stringify(await models.json())).toContain(modelId);
}, 420_000);
