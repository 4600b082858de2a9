// Lifecycle histories with known answers for the assessment: walked through the real API with its
// clock set at each step, so every audit entry carries the time a person would have acted at. The
// figures the tests expect are worked out by hand next to them (test/api/assessment.test.ts).
import { expect } from 'vitest';
import type { CaseObservation } from '../../contracts/case.ts';
import { observation, storedEvidence, uniqueJpeg, type TestApi } from '../support/api.ts';

export const WINDOW = 'from=2026-03-02&to=2026-03-16'; // two weeks, Monday to Monday in Shanghai
export const A = 'unit-1';
export const B = 'unit-2';
/** When the report is read: A's unhandled job is long past due. */
export const REPORT_TIME = new Date('2026-03-12T02:00:00Z');
const MIN = 60_000;
const at = (iso: string, plusMinutes = 0) => new Date(Date.parse(iso) + plusMinutes * MIN);

/**
 * Unit A: 11 parking cases (60 clock minutes) dispatched Tuesday 3 March 10:00 Shanghai, handled
 * after 6, 12, …, 54 and 75 minutes, one never; the 54-minute one is seen again (reopened).
 * Unit B: 2 vending cases (120 working minutes) dispatched Tuesday 10 March, handled after 100 and
 * 200 minutes. Two vending cases and one of three drone cases rejected as false; one garbage case
 * pending. One case found and dispatched in February, outside the window.
 */
export async function walkHistory(api: TestApi): Promise<void> {
  async function found(when: Date, o: Partial<CaseObservation>): Promise<number> {
    api.clock.now = when;
    const res = await api.app.inject({
      method: 'POST',
      url: '/v1/cases',
      headers: api.headers('ingest'),
      payload: observation({ observedAt: when.toISOString(), evidence: [await storedEvidence(api.objects)], ...o }),
    });
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res.json().caseId;
  }

  async function move(id: number, name: string, when: Date, body: object = {}): Promise<void> {
    api.clock.now = when;
    if (name === 'handle') body = { note: '已劝离 moved on', photos: [await afterPhoto(id)] };
    // Handling is the field unit's move; admin may act for it.
    const role = name === 'handle' ? 'admin' : 'reviewer';
    const res = await api.app.inject({ method: 'POST', url: `/v1/cases/${id}/${name}`, headers: api.headers(role), payload: body });
    expect(res.statusCode, `${name} case ${id}: ${res.body}`).toBe(200);
  }

  async function afterPhoto(id: number): Promise<string> {
    const res = await api.app.inject({ method: 'POST', url: `/v1/cases/${id}/after-photos`, headers: { ...api.headers('admin'), 'content-type': 'image/jpeg' }, payload: await uniqueJpeg() });
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res.json().sha256;
  }

  for (const [id, name] of [[A, '城管一中队'], [B, '城管二中队']]) {
    const res = await api.app.inject({ method: 'PUT', url: `/v1/units/${id}`, headers: api.headers('operator'), payload: { name } });
    expect(res.statusCode, res.body).toBe(201);
  }
  // Before the window: found and dispatched in February; counted nowhere.
  const old = await found(at('2026-02-24T01:00:00Z'), { dedupeKey: 'old' });
  await move(old, 'confirm', at('2026-02-24T01:05:00Z'));
  await move(old, 'dispatch', at('2026-02-24T02:00:00Z'), { unit: A });

  // Week 1: unit A gets 11 parking cases (60 clock minutes each) at 10:00 Shanghai on Tuesday.
  const dispatchA = at('2026-03-03T02:00:00Z');
  const handling = [6, 12, 18, 24, 30, 36, 42, 48, 54, 75, undefined];
  const ids: number[] = [];
  for (const [i] of handling.entries()) {
    ids.push(await found(at('2026-03-03T01:00:00Z', i), { dedupeKey: `a-${i}`, source: { kind: 'camera', id: 'cam-east', name: '东门' }, zoneId: 'no-parking-1' }));
  }
  for (const id of ids) await move(id, 'confirm', at('2026-03-03T01:30:00Z'));
  for (const id of ids) await move(id, 'dispatch', dispatchA, { unit: A });
  for (const [i, minutes] of handling.entries()) if (minutes !== undefined) await move(ids[i]!, 'handle', at('2026-03-03T02:00:00Z', minutes));
  // The 6-minute job is verified and closed; the 54-minute one is seen again: reopened.
  await move(ids[0]!, 'verify', at('2026-03-03T04:00:00Z'));
  await move(ids[0]!, 'close', at('2026-03-03T04:10:00Z'));
  await found(at('2026-03-03T05:00:00Z'), { dedupeKey: 'a-8', source: { kind: 'camera', id: 'cam-east', name: '东门' }, zoneId: 'no-parking-1' });
  expect((await api.app.db.query('SELECT status FROM cases WHERE id = $1', [ids[8]]))[0]!.status).toBe('reopened');
  // One garbage case nobody has reviewed yet.
  await found(at('2026-03-04T03:00:00Z'), { dedupeKey: 'garbage', type: 'exposed_garbage', zoneId: undefined });

  // Week 2: unit B gets 2 vending cases (120 working minutes: due 12:00 Shanghai), one handled in
  // 100 minutes, one in 200; two more vending cases and a drone case are rejected as false.
  const vending = { type: 'street_vending' as const, source: { kind: 'camera' as const, id: 'cam-west', name: '西街' }, zoneId: 'sidewalk-2' };
  const b1 = await found(at('2026-03-10T01:00:00Z'), { ...vending, dedupeKey: 'b-1' });
  const b2 = await found(at('2026-03-10T01:01:00Z'), { ...vending, dedupeKey: 'b-2' });
  const r1 = await found(at('2026-03-10T01:02:00Z'), { ...vending, dedupeKey: 'r-1' });
  const r2 = await found(at('2026-03-10T01:03:00Z'), { ...vending, dedupeKey: 'r-2' });
  for (const id of [b1, b2]) await move(id, 'confirm', at('2026-03-10T01:30:00Z'));
  for (const id of [r1, r2]) await move(id, 'reject', at('2026-03-10T01:31:00Z'), { reason: '误报' });
  for (const id of [b1, b2]) await move(id, 'dispatch', at('2026-03-10T02:00:00Z'), { unit: B });
  await move(b1, 'handle', at('2026-03-10T02:00:00Z', 100));
  await move(b2, 'handle', at('2026-03-10T02:00:00Z', 200));
  const drone = { source: { kind: 'survey' as const, id: 'survey-1', name: '东区航拍' }, zoneId: undefined, location: { lat: 31.2, lon: 121.5, accuracyM: 4 } };
  const d1 = await found(at('2026-03-11T01:00:00Z'), { ...drone, dedupeKey: 'd-1' });
  const d2 = await found(at('2026-03-11T01:00:00Z'), { ...drone, dedupeKey: 'd-2' });
  const d3 = await found(at('2026-03-11T01:00:00Z'), { ...drone, dedupeKey: 'd-3' });
  await move(d1, 'reject', at('2026-03-11T02:00:00Z'), { reason: '误报' });
  await move(d2, 'confirm', at('2026-03-11T02:00:00Z'));
  await move(d3, 'confirm', at('2026-03-11T02:00:00Z'));

  api.clock.now = REPORT_TIME;
}
