// The plate on a case as sightings arrive: a plate read once is kept when a later sighting could
// not read it, and an unreadable field is filled as soon as a sighting reads it.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { observation, startTestApi, storedEvidence, type TestApi } from '../support/api.ts';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api?.close());

async function sight(dedupeKey: string, plate: string, at: string) {
  const obs = observation({ dedupeKey, plate, observedAt: at, evidence: [await storedEvidence(api.objects)] });
  const res = await api.app.inject({ method: 'POST', url: '/v1/cases', headers: api.headers('ingest'), payload: obs });
  expect(res.statusCode, res.body).toBeLessThan(300);
  return res.json().caseId as number;
}
const plateOf = async (id: number) => (await api.app.inject({ method: 'GET', url: `/v1/cases/${id}`, headers: api.headers('reviewer') })).json().plate;

it('keeps a read plate when a later sighting is unreadable', async () => {
  const id = await sight('illegal_parking:plate-a', '沪A12345', '2026-03-02T01:50:00.000Z');
  await sight('illegal_parking:plate-a', 'unreadable: no text found', '2026-03-02T01:55:00.000Z');
  expect(await plateOf(id)).toBe('沪A12345');
});

it('fills an unreadable plate once a sighting reads it', async () => {
  const id = await sight('illegal_parking:plate-b', 'unreadable: low confidence', '2026-03-02T01:50:00.000Z');
  expect(await plateOf(id)).toBe('unreadable: low confidence');
  await sight('illegal_parking:plate-b', '京B67890', '2026-03-02T01:55:00.000Z');
  expect(await plateOf(id)).toBe('京B67890');
});
