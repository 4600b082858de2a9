// Case ingest, review and lifecycle through the HTTP API, on PGlite and on a real PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbBackends } from '../support/db-backends.ts';
import { observation, startTestApi, storedEvidence, type TestApi } from '../support/api.ts';
import { addUnits, handleWithPhoto } from '../support/field.ts';

const backends = dbBackends('cases');

describe.each(backends)('cases on %s', (_name, settings) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi(await settings());
    await addUnits(api, '城管一中队', '二中队', '环卫所');
  });
  afterAll(async () => {
    await api?.close();
  });

  const post = (body: unknown, role: 'ingest' | 'reviewer' | 'admin' = 'ingest') =>
    api.app.inject({ method: 'POST', url: '/v1/cases', headers: api.headers(role), payload: body as object });
  const move = (id: number, action: string, body: object = {}, role: 'reviewer' | 'operator' | 'admin' = 'reviewer') =>
    api.app.inject({ method: 'POST', url: `/v1/cases/${id}/${action}`, headers: api.headers(role), payload: body });
  const detail = async (id: number) => (await api.app.inject({ method: 'GET', url: `/v1/cases/${id}`, headers: api.headers('reviewer') })).json();
  const count = async (sql: string, params: unknown[]) => (await api.app.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params))[0]!.n;

  it('creates a case, then answers a repeated post of the same observation with "duplicate" and changes nothing', async () => {
    const obs = observation({ evidence: [await storedEvidence(api.objects), await storedEvidence(api.objects, 'crop')] });
    const first = await post(obs);
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({ status: 'pending_review', result: 'created' });
    const before = await detail(first.json().caseId);
    const again = await post(obs);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ caseId: first.json().caseId, status: 'pending_review', result: 'duplicate' });
    const after = await detail(first.json().caseId);
    expect(after).toEqual(before);
    expect(after.observationCount).toBe(1);
    expect(after.evidence).toHaveLength(2);
    expect(after.standard).toBe('GB/T 47678.5-2026');
    expect(after.code).toBe('09009');
    expect(after.codes).toContainEqual({ standard: 'CJ/T 214-2007', code: '0505', primary: false });
  });

  it('keeps what the worker said of a sighting, such as why a vehicle was judged parked, for the case page', async () => {
    const reason = 'same vehicle, similarity 0.93, still from 10:00:03 to 10:05:04';
    const created = await post(observation({ evidence: [await storedEvidence(api.objects)], attributes: { reason } }));
    expect(created.statusCode).toBe(201);
    const [sighting] = (await detail(created.json().caseId)).observations;
    expect(sighting.attributes).toEqual({ reason });
  });

  it('gives one case and one observation for concurrent posts of the same observation', async () => {
    const obs = observation({ evidence: [await storedEvidence(api.objects)] });
    const answers = await Promise.all(Array.from({ length: 12 }, () => post(obs)));
    const ids = new Set(answers.map((a) => a.json().caseId));
    expect(ids.size).toBe(1);
    expect(answers.filter((a) => a.json().result === 'created')).toHaveLength(1);
    expect(await count('cases WHERE dedupe_key = $1', [obs.dedupeKey])).toBe(1);
    expect(await count('observations WHERE id = $1', [obs.observationId])).toBe(1);
  });

  it('gives one case for concurrent first sightings of one dedupeKey from different workers, keeping every sighting', async () => {
    const evidence = [await storedEvidence(api.objects)];
    const dedupeKey = `illegal_parking:concurrent-${Date.now()}`;
    const sightings = Array.from({ length: 10 }, (_, i) =>
      observation({ dedupeKey, evidence, observedAt: new Date(Date.parse('2026-03-02T01:00:00Z') + i * 1000).toISOString(), score: 0.5 + i / 100 }),
    );
    const answers = await Promise.all(sightings.map((o) => post(o)));
    expect(answers.every((a) => a.statusCode === 200 || a.statusCode === 201)).toBe(true);
    expect(new Set(answers.map((a) => a.json().caseId)).size).toBe(1);
    expect(answers.filter((a) => a.json().result === 'created')).toHaveLength(1);
    const c = await detail(answers[0]!.json().caseId);
    expect(c.observationCount).toBe(10);
    expect(c.firstSeen).toBe('2026-03-02T01:00:00.000Z');
    expect(c.lastSeen).toBe('2026-03-02T01:00:09.000Z');
    expect(c.score).toBeCloseTo(0.59);
    expect(await count('cases WHERE dedupe_key = $1', [dedupeKey])).toBe(1);
  });

  it('walks the lifecycle with an audit entry per move, and refuses invalid moves with 409 and the allowed ones', async () => {
    const created = (await post(observation({ evidence: [await storedEvidence(api.objects)] }))).json();
    const id = created.caseId;
    const early = await move(id, 'dispatch', { unit: '城管一中队' });
    expect(early.statusCode).toBe(409);
    expect(early.json()).toMatchObject({ error: 'invalid_move', status: 'pending_review', allowed: ['confirm', 'reject'] });

    expect((await move(id, 'confirm', { note: '车在禁停区' })).statusCode).toBe(200);
    const dispatched = await move(id, 'dispatch', { unit: '城管一中队' });
    expect(dispatched.json()).toMatchObject({ from: 'confirmed', to: 'dispatched' });
    expect((await handleWithPhoto(api, id)).statusCode).toBe(200);
    expect((await move(id, 'close')).json()).toMatchObject({ error: 'invalid_move', status: 'handled', allowed: ['verify', 'reopen'] });
    expect((await move(id, 'verify')).statusCode).toBe(200);
    expect((await move(id, 'close')).statusCode).toBe(200);

    const c = await detail(id);
    expect(c.status).toBe('closed');
    expect(c.unit).toBe('城管一中队');
    expect(c.audit.map((a: { action: string; from: string | null; to: string }) => [a.action, a.from, a.to])).toEqual([
      ['created', null, 'pending_review'],
      ['confirm', 'pending_review', 'confirmed'],
      ['dispatch', 'confirmed', 'dispatched'],
      ['handle', 'dispatched', 'handled'],
      ['verify', 'handled', 'verified'],
      ['close', 'verified', 'closed'],
    ]);
    expect(c.audit[1]).toMatchObject({ actor: 'test reviewer', actorRole: 'reviewer', note: '车在禁停区' });
  });

  it('reopens a handled case that is seen again instead of opening a second one', async () => {
    const first = observation({ evidence: [await storedEvidence(api.objects)] });
    const id = (await post(first)).json().caseId;
    for (const [m, body] of [['confirm', {}], ['dispatch', { unit: '二中队' }]] as const) expect((await move(id, m, body)).statusCode).toBe(200);
    expect((await handleWithPhoto(api, id)).statusCode).toBe(200);
    const again = await post(observation({ dedupeKey: first.dedupeKey, evidence: [await storedEvidence(api.objects)], observedAt: '2026-03-02T03:00:00.000Z' }));
    expect(again.json()).toEqual({ caseId: id, status: 'reopened', result: 'reopened' });
    const c = await detail(id);
    expect(c.status).toBe('reopened');
    expect(c.observationCount).toBe(2);
    expect(c.audit.at(-1)).toMatchObject({ action: 'reopen', from: 'handled', to: 'reopened', actorRole: 'ingest' });
    expect(c.allowedMoves).toEqual(['dispatch', 'close']);
    expect(await count('cases WHERE dedupe_key = $1', [first.dedupeKey])).toBe(1);
    // A manual reopen of a closed case works the same way.
    expect((await move(id, 'dispatch', { unit: '二中队' })).statusCode).toBe(200);
  });

  it('rejects only with a reason, and keeps later sightings of a rejected case off the review queue', async () => {
    const obs = observation({ evidence: [await storedEvidence(api.objects)] });
    const id = (await post(obs)).json().caseId;
    const noReason = await move(id, 'reject', {});
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().field).toBe('reason');
    expect((await move(id, 'reject', { reason: '误报：不是车辆' })).statusCode).toBe(200);
    const again = await post(observation({ dedupeKey: obs.dedupeKey, evidence: obs.evidence }));
    expect(again.json()).toMatchObject({ caseId: id, status: 'rejected', result: 'merged' });
    const c = await detail(id);
    expect(c.rejectReason).toBe('误报：不是车辆');
    expect(c.audit.at(-1)).toMatchObject({ action: 'reject', note: '误报：不是车辆' });
  });

  it('reclassifies a case to another type and files it under that type’s code', async () => {
    const id = (await post(observation({ evidence: [await storedEvidence(api.objects)] }))).json().caseId;
    const res = await move(id, 'reclassify', { type: 'street_vending', note: '是摊位不是车' });
    expect(res.statusCode).toBe(200);
    const c = await detail(id);
    expect(c).toMatchObject({ type: 'street_vending', typeName: '占道经营', code: '09006', status: 'pending_review' });
    expect(c.audit.at(-1)).toMatchObject({ action: 'reclassify', details: { fromType: 'illegal_parking', toType: 'street_vending', code: '09006' } });
    expect((await move(id, 'reclassify', { type: 'flying_saucer' })).json().field).toBe('type');
  });

  it('answers bad bodies with 400 naming the field', async () => {
    const good = observation({ evidence: [await storedEvidence(api.objects)] });
    const cases: Array<[object, string]> = [
      [{ ...good, dedupeKey: undefined }, 'dedupeKey'],
      [{ ...good, score: 1.5 }, 'score'],
      [{ ...good, type: 'jaywalking' }, 'type'],
      [{ ...good, observedAt: 'yesterday' }, 'observedAt'],
      [{ ...good, box: [1, 2, 3] }, 'box'],
      [{ ...good, source: { kind: 'camera' } }, 'source.id'],
      [{ ...good, location: { lat: 91, lon: 0, accuracyM: 3 } }, 'location.lat'],
      [{ ...good, evidence: [{ ...good.evidence[0], sha256: 'not-a-hash' }] }, 'evidence.0.sha256'],
      [{ ...good, evidence: [{ ...good.evidence[0], key: 'b'.repeat(64) }] }, 'evidence.0.key'],
      [{ ...good, surprise: true }, 'surprise'],
    ];
    for (const [body, field] of cases) {
      const res = await post(body);
      expect(res.statusCode, field).toBe(400);
      expect(res.json().field, JSON.stringify(res.json())).toBe(field);
      expect(res.json().message).toContain(field);
    }
    const notJson = await api.app.inject({ method: 'POST', url: '/v1/cases', headers: { ...api.headers('ingest'), 'content-type': 'application/json' }, payload: '{"dedupeKey": ' });
    expect(notJson.statusCode).toBe(400);
  });

  it('refuses evidence that is not in the object store (422)', async () => {
    const res = await post(observation({ evidence: [{ kind: 'frame', key: 'c'.repeat(64), sha256: 'c'.repeat(64), contentType: 'image/jpeg', capturedAt: '2026-03-02T01:59:00.000Z', bytes: 10 }] }));
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ error: 'evidence_missing', field: 'evidence.0.key' });
  });

  it('checks roles on every route: 401 without or with a bad key, 403 with the wrong role', async () => {
    const obs = observation({ evidence: [await storedEvidence(api.objects)] });
    expect((await api.app.inject({ method: 'POST', url: '/v1/cases', payload: obs })).statusCode).toBe(401);
    expect((await api.app.inject({ method: 'POST', url: '/v1/cases', headers: { authorization: 'Bearer cgk_000000000000_' + 'x'.repeat(43) }, payload: obs })).statusCode).toBe(401);
    const asReviewer = await post(obs, 'reviewer');
    expect(asReviewer.statusCode).toBe(403);
    expect(asReviewer.json().message).toContain('ingest');
    expect((await api.app.inject({ method: 'GET', url: '/v1/cases', headers: api.headers('ingest') })).statusCode).toBe(403);
    const id = (await post(obs)).json().caseId;
    expect((await move(id, 'confirm', {}, 'operator')).statusCode).toBe(403);
    expect((await api.app.inject({ method: 'POST', url: '/v1/keys', headers: api.headers('reviewer'), payload: { role: 'admin', name: 'x' } })).statusCode).toBe(403);
    expect((await api.app.inject({ method: 'PUT', url: '/v1/case-types/illegal_parking', headers: api.headers('reviewer'), payload: {} })).statusCode).toBe(403);
    // admin may do everything
    expect((await move(id, 'confirm', {}, 'admin')).statusCode).toBe(200);
    // a revoked key stops working
    const made = (await api.app.inject({ method: 'POST', url: '/v1/keys', headers: api.headers('admin'), payload: { role: 'reviewer', name: 'temp' } })).json();
    expect((await api.app.inject({ method: 'GET', url: '/v1/cases', headers: { authorization: `Bearer ${made.key}` } })).statusCode).toBe(200);
    expect((await api.app.inject({ method: 'DELETE', url: `/v1/keys/${made.id}`, headers: api.headers('admin') })).statusCode).toBe(204);
    expect((await api.app.inject({ method: 'GET', url: '/v1/cases', headers: { authorization: `Bearer ${made.key}` } })).statusCode).toBe(401);
  });

  it('lists with filters and pages through every case exactly once', async () => {
    const source = `list-cam-${Date.now()}`;
    const evidence = [await storedEvidence(api.objects)];
    const ids: number[] = [];
    for (let i = 0; i < 23; i++) {
      const o = observation({
        source: { kind: i % 2 ? 'survey' : 'camera', id: source },
        type: i % 3 === 0 ? 'exposed_garbage' : 'illegal_parking',
        observedAt: new Date(Date.parse('2026-03-01T00:00:00Z') + i * 60_000).toISOString(),
        score: (i % 10) / 10,
        location: { lat: 31.2 + i * 0.001, lon: 121.4 + i * 0.001, accuracyM: 5 },
        evidence,
      });
      ids.push((await post(o)).json().caseId);
    }
    const list = async (q: string) => (await api.app.inject({ method: 'GET', url: `/v1/cases?source=${source}&${q}`, headers: api.headers('reviewer') })).json();
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Array<{ id: number; lastSeen: string }>; nextCursor: string | null } = await list(`limit=10${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.items.map((c) => c.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    const byScore = (await list('sort=score&limit=100')).items.map((c: { score: number }) => c.score);
    expect(byScore).toEqual([...byScore].sort((a, b) => b - a));
    expect((await list('type=exposed_garbage')).items).toHaveLength(8);
    expect((await list('sourceKind=survey')).items).toHaveLength(11);
    expect((await list('status=pending_review,confirmed')).items).toHaveLength(23);
    expect((await list('status=closed')).items).toHaveLength(0);
    expect((await list('from=2026-03-01T00:10:00Z&to=2026-03-01T00:15:00Z')).items).toHaveLength(5);
    expect((await list('bbox=121.4045,31.2045,121.4105,31.2105')).items).toHaveLength(6);
    const bad = await api.app.inject({ method: 'GET', url: `/v1/cases?status=lost`, headers: api.headers('reviewer') });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().field).toBe('status.0');
    expect((await api.app.inject({ method: 'GET', url: `/v1/cases?cursor=garbage`, headers: api.headers('reviewer') })).json().field).toBe('cursor');

    const geo = await api.app.inject({ method: 'GET', url: `/v1/export/cases.geojson?source=${source}&type=exposed_garbage`, headers: api.headers('reviewer') });
    expect(geo.headers['content-type']).toContain('application/geo+json');
    const fc = geo.json();
    expect(fc.type).toBe('FeatureCollection');
    expect(fc.features).toHaveLength(8);
    expect(fc.features[0].geometry.type).toBe('Point');
    expect(fc.features[0].properties).toMatchObject({ type: 'exposed_garbage', standard: 'GB/T 47678.5-2026', code: '06010', otherCodes: [{ standard: 'CJ/T 214-2007', code: '0102' }] });
  });

  it('sets a due time from the type’s limit in working hours and flags the case overdue after it', async () => {
    const obs = observation({ type: 'exposed_garbage', evidence: [await storedEvidence(api.objects)] });
    const id = (await post(obs)).json().caseId;
    await move(id, 'confirm');
    api.clock.now = new Date('2026-03-02T02:00:00Z'); // Monday 10:00 Asia/Shanghai
    await move(id, 'dispatch', { unit: '环卫所' });
    let c = await detail(id);
    // 4 working hours from 10:00: 10:00-12:00 (2 h), lunch, 13:30-15:30 (2 h).
    expect(c.dueAt).toBe('2026-03-02T07:30:00.000Z');
    expect(c.overdue).toBe(false);
    api.clock.now = new Date('2026-03-02T07:31:00Z');
    c = await detail(id);
    expect(c.overdue).toBe(true);
    const overdue = (await api.app.inject({ method: 'GET', url: '/v1/cases?overdue=true', headers: api.headers('reviewer') })).json();
    expect(overdue.items.map((x: { id: number }) => x.id)).toContain(id);
    await handleWithPhoto(api, id);
    expect((await detail(id)).overdue).toBe(false);
    api.clock.now = new Date('2026-03-02T02:00:00Z');
  });

  it('keeps the audit trail append-only in the store itself', async () => {
    const id = (await post(observation({ evidence: [await storedEvidence(api.objects)] }))).json().caseId;
    await expect(api.app.db.query('UPDATE audit SET note = $2 WHERE case_id = $1', [id, 'rewritten'])).rejects.toThrow(/append-only/);
    await expect(api.app.db.query('DELETE FROM audit WHERE case_id = $1', [id])).rejects.toThrow(/append-only/);
  });

  it('lets an operator change a type’s codes; new cases carry the new primary code, old ones keep theirs', async () => {
    const before = (await post(observation({ type: 'uncovered_muck_truck', evidence: [await storedEvidence(api.objects)] }))).json().caseId;
    const bad = await api.app.inject({
      method: 'PUT',
      url: '/v1/case-types/uncovered_muck_truck',
      headers: api.headers('operator'),
      payload: { nameZh: '渣土车未覆盖', handlingLimitMinutes: 60, workingTime: false, codes: [{ standard: 'A', code: '1' }] },
    });
    expect(bad.json()).toMatchObject({ field: 'codes' });
    const ok = await api.app.inject({
      method: 'PUT',
      url: '/v1/case-types/uncovered_muck_truck',
      headers: api.headers('operator'),
      payload: { nameZh: '渣土车未覆盖', handlingLimitMinutes: 60, workingTime: false, codes: [{ standard: 'GB/T 47678.5-2026', code: '08012', primary: true }, { standard: '本市', code: 'ZT-01' }] },
    });
    expect(ok.statusCode).toBe(200);
    const after = (await post(observation({ type: 'uncovered_muck_truck', evidence: [await storedEvidence(api.objects)] }))).json().caseId;
    expect((await detail(before)).code).toBe('08011');
    expect((await detail(after)).code).toBe('08012');
    expect((await detail(after)).codes).toContainEqual({ standard: '本市', code: 'ZT-01', primary: false });
  });
});
