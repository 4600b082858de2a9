// Verdict scores on cases, the per-type hold threshold (the "likely false alarm" list, auto-reject)
// and the precision/recall a threshold had on reviewed cases, through the HTTP API on PGlite and
// a real PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseObservation } from '../../contracts/case.ts';
import { dbBackends } from '../support/db-backends.ts';
import { observation, startTestApi, storedEvidence, type TestApi } from '../support/api.ts';

const backends = dbBackends('verdict');

describe.each(backends)('verdict scores and the hold threshold on %s', (_name, settings) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi(await settings());
  });
  afterAll(async () => {
    await api?.close();
  });

  const post = (body: object) => api.app.inject({ method: 'POST', url: '/v1/cases', headers: api.headers('ingest'), payload: body });
  const get = async (url: string, role: 'reviewer' | 'admin' = 'reviewer') => api.app.inject({ method: 'GET', url, headers: api.headers(role) });
  const putHold = (payload: object, role: 'reviewer' | 'admin' | 'operator' = 'admin') =>
    api.app.inject({ method: 'PUT', url: '/v1/verdict-hold', headers: api.headers(role), payload });
  const move = (id: number, action: 'confirm' | 'reject') =>
    api.app.inject({ method: 'POST', url: `/v1/cases/${id}/${action}`, headers: api.headers('reviewer'), payload: action === 'reject' ? { reason: 'not a violation' } : {} });
  const scored = async (type: CaseObservation['type'], score: number | undefined, extra: Partial<CaseObservation> = {}) => {
    const obs = observation({
      type,
      dedupeKey: `${type}:${Math.random()}`,
      evidence: [await storedEvidence(api.objects)],
      ...(score === undefined ? {} : { verdict: { score, modelId: `verdict-${type}` } }),
      ...extra,
    });
    const res = await post(obs);
    expect(res.statusCode).toBe(201);
    return res.json().caseId as number;
  };
  const ids = (page: { items: Array<{ id: number }> }) => page.items.map((c) => c.id);

  it('stores the verdict score a sighting carries and returns it on the case and the list', async () => {
    const id = await scored('street_vending', 0.92);
    const detail = (await get(`/v1/cases/${id}`)).json();
    expect(detail.verdict).toEqual({ score: 0.92, modelId: 'verdict-street_vending', held: false });
    const unscored = await scored('street_vending', undefined);
    expect((await get(`/v1/cases/${unscored}`)).json().verdict).toBeNull();
    const list = (await get('/v1/cases?type=street_vending')).json();
    expect(list.items.find((c: { id: number }) => c.id === id).verdict.score).toBe(0.92);
  });

  it('keeps the verdict of the latest sighting, and an unscored later sighting does not erase it', async () => {
    const dedupeKey = `illegal_parking:latest-${Math.random()}`;
    const first = observation({ dedupeKey, observedAt: '2026-03-02T01:50:00.000Z', verdict: { score: 0.3, modelId: 'v1' }, evidence: [await storedEvidence(api.objects)] });
    const id = (await post(first)).json().caseId;
    await post(observation({ dedupeKey, observedAt: '2026-03-02T01:55:00.000Z', verdict: { score: 0.7, modelId: 'v2' }, evidence: [await storedEvidence(api.objects)] }));
    await post(observation({ dedupeKey, observedAt: '2026-03-02T01:40:00.000Z', verdict: { score: 0.1, modelId: 'v0' }, evidence: [await storedEvidence(api.objects)] }));
    await post(observation({ dedupeKey, observedAt: '2026-03-02T01:58:00.000Z', evidence: [await storedEvidence(api.objects)] }));
    expect((await get(`/v1/cases/${id}`)).json().verdict).toMatchObject({ score: 0.7, modelId: 'v2' });
  });

  it('refuses a verdict score outside [0, 1] or without its model, naming the field', async () => {
    const base = observation({ evidence: [await storedEvidence(api.objects)] });
    const high = await post({ ...base, verdict: { score: 1.5, modelId: 'v' } });
    expect(high.statusCode).toBe(400);
    expect(high.json().field).toBe('verdict.score');
    const noModel = await post({ ...base, verdict: { score: 0.5 } });
    expect(noModel.statusCode).toBe(400);
    expect(noModel.json().field).toBe('verdict.modelId');
  });

  it('orders the queue by verdict score, unscored cases last, across pages', async () => {
    const type = 'exposed_garbage';
    const made = [await scored(type, 0.4), await scored(type, undefined), await scored(type, 0.95), await scored(type, 0.1), await scored(type, 0.6)];
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Array<{ id: number }>; nextCursor: string | null } = (await get(`/v1/cases?type=${type}&sort=verdict&limit=2${cursor ? `&cursor=${cursor}` : ''}`)).json();
      seen.push(...ids(page));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([made[2], made[4], made[0], made[3], made[1]]);
  });

  it('holds cases below their type’s threshold in the likely-false-alarm list, and moves them when the threshold changes', async () => {
    const type = 'illegal_construction';
    const low = await scored(type, 0.12);
    const high = await scored(type, 0.8);
    const none = await scored(type, undefined);
    expect(ids((await get(`/v1/cases?type=${type}&held=true`)).json())).toEqual([]);

    expect((await putHold({ thresholds: { [type]: 0.5 } })).statusCode).toBe(200);
    expect(ids((await get(`/v1/cases?type=${type}&held=true`)).json())).toEqual([low]);
    expect(ids((await get(`/v1/cases?type=${type}&held=false&sort=oldest`)).json())).toEqual([high, none]);
    expect((await get(`/v1/cases/${low}`)).json()).toMatchObject({ status: 'pending_review', verdict: { held: true } });
    expect((await get('/v1/cases/counts')).json().heldPending).toBe(1);

    expect((await putHold({ thresholds: { [type]: 0.9 } })).statusCode).toBe(200);
    expect(ids((await get(`/v1/cases?type=${type}&held=true&sort=oldest`)).json())).toEqual([low, high]);
    // Other types are not held by this type's threshold, and stay in the review queue.
    const other = await scored('street_vending', 0.05);
    expect((await get(`/v1/cases/${other}`)).json().verdict.held).toBe(false);
    expect(ids((await get('/v1/cases?type=street_vending&held=false')).json())).toContain(other);
    expect(ids((await get('/v1/cases?type=street_vending&held=true')).json())).not.toContain(other);
    await putHold({ thresholds: {} });
  });

  it('lets only an admin set thresholds, and refuses bad ones naming the type or the value', async () => {
    expect((await putHold({ thresholds: { illegal_parking: 0.3 } }, 'reviewer')).statusCode).toBe(403);
    expect((await putHold({ thresholds: { illegal_parking: 0.3 } }, 'operator')).statusCode).toBe(403);
    const unknown = await putHold({ thresholds: { illegal_dancing: 0.3 } });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().message).toMatch(/unknown violation type "illegal_dancing"/);
    expect(unknown.json().field).toBe('thresholds.illegal_dancing');
    for (const bad of [1.2, -0.1, 'half', { value: 0.5 }]) {
      const res = await putHold({ thresholds: { illegal_parking: bad } });
      expect(res.statusCode, JSON.stringify(bad)).toBe(400);
      expect(res.json().field).toBe('thresholds.illegal_parking');
    }
    const missing = await putHold({ autoReject: true });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().field).toBe('thresholds');
    // Nothing of the refused requests was kept.
    expect((await get('/v1/verdict-hold')).json()).toMatchObject({ thresholds: {}, autoReject: false });
  });

  it('reports the precision and recall a threshold had on reviewed cases with a verdict score', async () => {
    const type = 'uncovered_muck_truck';
    // Reviewed: confirmed at 0.9, 0.7, 0.3; rejected at 0.6, 0.2, 0.1. Pending and unscored cases do not count.
    const verdicts: Array<[number, 'confirm' | 'reject']> = [[0.9, 'confirm'], [0.7, 'confirm'], [0.3, 'confirm'], [0.6, 'reject'], [0.2, 'reject'], [0.1, 'reject']];
    for (const [score, action] of verdicts) expect((await move(await scored(type, score), action)).statusCode).toBe(200);
    await scored(type, 0.05);
    await move(await scored(type, undefined), 'reject');

    expect((await putHold({ thresholds: { [type]: 0.5 } })).statusCode).toBe(200);
    const at = (body: { types: Array<{ type: string }> }) => body.types.find((t) => t.type === type);
    // At 0.5: passed 0.9, 0.7 (confirmed) and 0.6 (rejected); held 0.3 (confirmed), 0.2, 0.1 (rejected).
    expect(at((await get('/v1/verdict-hold')).json())).toMatchObject({
      threshold: 0.5,
      reviewed: 6,
      confirmed: 3,
      rejected: 3,
      held: 3,
      heldConfirmed: 1,
      heldRejected: 2,
      precision: 2 / 3,
      recall: 2 / 3,
    });
    // A trial threshold is measured without being saved.
    const trial = at((await get(`/v1/verdict-hold?type=${type}&threshold=0.25`)).json());
    expect(trial).toMatchObject({ threshold: 0.25, trial: true, precision: 3 / 4, recall: 1, heldConfirmed: 0 });
    expect((await get('/v1/verdict-hold')).json().thresholds[type]).toBe(0.5);
    expect((await get(`/v1/verdict-hold?threshold=0.25`)).statusCode).toBe(400);
    await putHold({ thresholds: {} });
  });

  it('refuses a trial threshold outside 0..1, not a number, or of an unknown type, naming the parameter, and saves nothing', async () => {
    expect((await putHold({ thresholds: { street_vending: 0.4 } })).statusCode).toBe(200);
    const cases: Array<[string, string, RegExp]> = [
      ['type=street_vending&threshold=1.5', 'threshold', /querystring\.threshold must be <= 1/],
      ['type=street_vending&threshold=-0.1', 'threshold', /querystring\.threshold must be >= 0/],
      ['type=street_vending&threshold=half', 'threshold', /querystring\.threshold must be number/],
      ['type=illegal_dancing&threshold=0.3', 'type', /querystring\.type must be one of: street_vending, /],
      ['threshold=0.3', 'querystring', /must have property type when property threshold is present/],
    ];
    for (const [query, field, message] of cases) {
      const res = await get(`/v1/verdict-hold?${query}`);
      expect(res.statusCode, query).toBe(400);
      expect(res.json(), query).toMatchObject({ error: 'bad_request', field });
      expect(res.json().message, query).toMatch(message);
    }
    expect((await get('/v1/verdict-hold', 'admin')).json()).toMatchObject({ thresholds: { street_vending: 0.4 }, autoReject: false, editable: true });
    expect((await get('/v1/verdict-hold')).json().editable).toBe(false);
    await putHold({ thresholds: {} });
  });

  it('never rejects without a person unless auto-reject is on; then the system rejects held cases and the audit says so', async () => {
    const type = 'illegal_parking';
    await putHold({ thresholds: { [type]: 0.4 } });
    const waits = await scored(type, 0.1);
    expect((await get(`/v1/cases/${waits}`)).json().status).toBe('pending_review');

    expect((await putHold({ thresholds: { [type]: 0.4 }, autoReject: true })).json()).toEqual({ thresholds: { [type]: 0.4 }, autoReject: true });
    const rejected = await scored(type, 0.1);
    const kept = await scored(type, 0.5);
    const detail = (await get(`/v1/cases/${rejected}`)).json();
    expect(detail.status).toBe('rejected');
    expect(detail.rejectReason).toMatch(/verdict score 0\.10 below the hold threshold 0\.4/);
    expect(detail.audit.at(-1)).toMatchObject({ actor: 'system:verdict-hold', action: 'reject', from: 'pending_review', to: 'rejected', details: { by: 'system' } });
    expect((await get(`/v1/cases/${kept}`)).json().status).toBe('pending_review');
    // The earlier held case was not touched by turning auto-reject on.
    expect((await get(`/v1/cases/${waits}`)).json().status).toBe('pending_review');
    // A system rejection is not a review: it does not count in the threshold's precision/recall.
    const metrics = (await get('/v1/verdict-hold')).json().types.find((t: { type: string }) => t.type === type);
    expect(metrics.reviewed).toBe(0);
    await putHold({ thresholds: {} });
  });
});
