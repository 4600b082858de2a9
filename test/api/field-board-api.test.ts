// The loop after review through the HTTP API, on PGlite and PostgreSQL: units, bulk dispatch from
// the board, field keys bound to a unit, after-photos and the handle move, undo, an admin
// reopening a rejected case, and the verifier's report. Each refusal is checked for its status,
// its words, and that nothing was written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbBackends } from '../support/db-backends.ts';
import { observation, startTestApi, storedEvidence, type TestApi } from '../support/api.ts';
import { addUnits, afterPhotoJpeg, fieldKey, handleWithPhoto, uploadAfterPhoto } from '../support/field.ts';

const backends = dbBackends('field');

describe.each(backends)('board and field routes on %s', (_name, settings) => {
  let api: TestApi;
  let east: string;
  let west: string;
  beforeAll(async () => {
    api = await startTestApi(await settings(), { evidenceUrlTtlSeconds: 600 });
    await addUnits(api, 'east-1', 'west-2');
    east = await fieldKey(api, 'east-1');
    west = await fieldKey(api, 'west-2');
  });
  afterAll(async () => {
    await api?.close();
  });

  const as = (key: string) => ({ authorization: `Bearer ${key}` });
  const newCase = async (over: Parameters<typeof observation>[0] | object = {}) =>
    (await api.app.inject({ method: 'POST', url: '/v1/cases', headers: api.headers('ingest'), payload: observation({ evidence: [await storedEvidence(api.objects), await storedEvidence(api.objects, 'crop')], ...over }) })).json().caseId as number;
  const move = (id: number, m: string, body: object = {}, key = api.keys.reviewer) => api.app.inject({ method: 'POST', url: `/v1/cases/${id}/${m}`, headers: as(key), payload: body });
  const statusOf = async (id: number) => (await api.app.db.query<{ status: string }>('SELECT status FROM cases WHERE id = $1', [id]))[0]!.status;
  const count = async (sql: string, params: unknown[]) => (await api.app.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params))[0]!.n;
  const confirmed = async (over: object = {}) => {
    const id = await newCase(over);
    expect((await move(id, 'confirm')).statusCode).toBe(200);
    return id;
  };

  it('dispatches a selection in one go with each type’s due time, and refuses the whole batch when one case cannot go', async () => {
    const parking = await confirmed();
    const garbage = await confirmed({ type: 'exposed_garbage' });
    const pending = await newCase();
    const due = (await api.app.inject({ method: 'GET', url: '/v1/dispatch/due-times', headers: api.headers('reviewer') })).json();
    // Monday 10:00 in Shanghai: parking 60 clock minutes; garbage 4 working hours (lunch 12:00-13:30).
    expect(due.byType).toMatchObject({ illegal_parking: '2026-03-02T03:00:00.000Z', exposed_garbage: '2026-03-02T07:30:00.000Z' });

    const refused = await api.app.inject({ method: 'POST', url: '/v1/cases/dispatch', headers: api.headers('reviewer'), payload: { ids: [parking, garbage, pending], unit: 'east-1' } });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().message).toContain(`case ${pending} is pending_review`);
    expect(await statusOf(parking)).toBe('confirmed');
    expect(await count("audit WHERE case_id = ANY($1::bigint[]) AND action = 'dispatch'", [[parking, garbage]])).toBe(0);

    const nowhere = await api.app.inject({ method: 'POST', url: '/v1/cases/dispatch', headers: api.headers('reviewer'), payload: { ids: [parking], unit: 'no-such-unit' } });
    expect(nowhere.statusCode).toBe(422);
    expect(nowhere.json()).toMatchObject({ error: 'unknown_unit' });
    expect(nowhere.json().message).toMatch(/"no-such-unit" is not a unit; known units: east-1, west-2/);
    expect((await move(parking, 'dispatch', { unit: 'nope' })).statusCode).toBe(422);
    expect(await statusOf(parking)).toBe('confirmed');

    const ok = await api.app.inject({ method: 'POST', url: '/v1/cases/dispatch', headers: api.headers('reviewer'), payload: { ids: [garbage, parking], unit: 'east-1', note: '请今天处理' } });
    expect(ok.statusCode).toBe(200);
    const byId = Object.fromEntries(ok.json().items.map((i: { caseId: number; dueAt: string }) => [i.caseId, i.dueAt]));
    expect(byId).toEqual({ [parking]: '2026-03-02T03:00:00.000Z', [garbage]: '2026-03-02T07:30:00.000Z' });

    // The board's filters: unit, status, search by number.
    const list = (await api.app.inject({ method: 'GET', url: `/v1/cases?unit=east-1&status=dispatched&q=%23${garbage}`, headers: api.headers('reviewer') })).json();
    expect(list.items.map((c: { id: number }) => c.id)).toEqual([garbage]);
  });

  it('finds a case by part of its plate', async () => {
    const id = await newCase({ plate: '沪B77Q31' });
    const found = (await api.app.inject({ method: 'GET', url: `/v1/cases?q=${encodeURIComponent('77q3')}`, headers: api.headers('reviewer') })).json();
    expect(found.items.map((c: { id: number }) => c.id)).toEqual([id]);
  });

  it('shows a field key its unit’s dispatched cases only, nearest first, and nothing of another unit', async () => {
    const near = await confirmed({ location: { lat: 31.2304, lon: 121.4737, accuracyM: 5 } });
    const far = await confirmed({ location: { lat: 31.3, lon: 121.6, accuracyM: 5 } });
    const theirs = await confirmed({ location: { lat: 31.2305, lon: 121.4738, accuracyM: 5 } });
    await move(far, 'dispatch', { unit: 'east-1' });
    await move(near, 'dispatch', { unit: 'east-1', note: '东门口，注意早高峰' });
    await move(theirs, 'dispatch', { unit: 'west-2' });
    const list = (await api.app.inject({ method: 'GET', url: '/v1/field/cases?lat=31.2300&lon=121.4730', headers: as(east) })).json();
    const ids = list.items.map((c: { id: number }) => c.id);
    expect(ids.indexOf(near)).toBeLessThan(ids.indexOf(far));
    expect(ids).not.toContain(theirs);
    expect(list.items.every((c: { unit: string; status: string }) => c.unit === 'east-1' && c.status === 'dispatched')).toBe(true);
    const first = list.items.find((c: { id: number }) => c.id === near);
    expect(first.geoUri).toMatch(/^geo:31\.230400,121\.473700\?q=/);
    expect(first.distanceM).toBeGreaterThan(50);
    expect(first.distanceM).toBeLessThan(150);
    expect(first.lastNote).toMatchObject({ action: 'dispatch', text: '东门口，注意早高峰' });
    expect(first.thumbUrl).toMatch(/^\/v1\/evidence\/[0-9a-f]{64}\?exp=/);
    expect((await api.app.inject({ method: 'GET', url: first.thumbUrl })).statusCode).toBe(200);

    const other = await api.app.inject({ method: 'GET', url: `/v1/field/cases/${theirs}`, headers: as(east) });
    expect(other.statusCode).toBe(403);
    expect(other.json()).toMatchObject({ error: 'not_your_unit' });
    expect(other.json().message).not.toContain('west-2');
    expect((await api.app.inject({ method: 'GET', url: '/v1/field/cases?unit=west-2', headers: as(east) })).statusCode).toBe(403);
    // A field key reaches none of the other routes.
    for (const url of ['/v1/cases', `/v1/cases/${theirs}`, '/v1/cases/counts', '/v1/units', '/v1/export/cases.geojson']) {
      expect((await api.app.inject({ method: 'GET', url, headers: as(east) })).statusCode, url).toBe(403);
    }
    expect((await move(near, 'verify', {}, east)).statusCode).toBe(403);
  });

  it('refuses after-photos that are not images, too large, or for another unit’s case, writing nothing; a photo sent twice is one photo', async () => {
    const id = await confirmed();
    const theirs = await confirmed();
    await move(id, 'dispatch', { unit: 'east-1' });
    await move(theirs, 'dispatch', { unit: 'west-2' });
    const rows = () => count('after_photos WHERE case_id = $1', [id]);

    const text = await uploadAfterPhoto(api, id, east, Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'));
    expect(text.statusCode).toBe(415);
    expect(text.json()).toMatchObject({ error: 'not_an_image' });
    expect(text.json().message).toContain('SVG');
    const plain = await api.app.inject({ method: 'POST', url: `/v1/cases/${id}/after-photos`, headers: { ...as(east), 'content-type': 'text/plain' }, payload: 'hello' });
    expect(plain.statusCode).toBe(415);
    expect(plain.json().message).toContain('image/jpeg');
    const jpeg = await afterPhotoJpeg();
    const truncated = await uploadAfterPhoto(api, id, east, jpeg.subarray(0, Math.floor(jpeg.length / 2)));
    expect(truncated.statusCode).toBe(422);
    expect(truncated.json()).toMatchObject({ error: 'unreadable_photo' });
    const huge = Buffer.concat([jpeg, Buffer.alloc(16 * 1024 * 1024)]);
    const big = await uploadAfterPhoto(api, id, east, huge);
    expect(big.statusCode).toBe(413);
    expect(big.json().message).toMatch(/larger than 15 MB/);
    const foreign = await uploadAfterPhoto(api, theirs, east, jpeg);
    expect(foreign.statusCode).toBe(403);
    expect(await rows()).toBe(0);
    expect(await count('after_photos WHERE case_id = $1', [theirs])).toBe(0);

    const once = await uploadAfterPhoto(api, id, east, jpeg);
    expect(once.statusCode).toBe(201);
    const twice = await uploadAfterPhoto(api, id, east, jpeg);
    expect(twice.statusCode).toBe(200);
    expect(twice.json()).toMatchObject({ sha256: once.json().sha256, duplicate: true, width: 320, height: 240 });
    expect(await rows()).toBe(1);
  });

  it('marks a case handled only with a note and an uploaded photo, in one transaction, and never with a photo used before', async () => {
    const id = await confirmed();
    await move(id, 'dispatch', { unit: 'east-1' });
    const handle = (body: object, key = east) => api.app.inject({ method: 'POST', url: `/v1/cases/${id}/handle`, headers: as(key), payload: body });
    const photo = (await uploadAfterPhoto(api, id, east, await afterPhotoJpeg())).json().sha256 as string;

    expect((await handle({ note: '已清理', photos: [] })).json()).toMatchObject({ field: 'photos' });
    expect((await handle({ photos: [photo] })).json()).toMatchObject({ field: 'note' });
    expect((await handle({ note: '   ', photos: [photo] })).json()).toMatchObject({ error: 'note_required' });
    const notUploaded = await handle({ note: '已清理', photos: ['f'.repeat(64)] });
    expect(notUploaded.statusCode).toBe(422);
    expect(notUploaded.json().message).toContain('was not uploaded');
    expect((await handle({ note: '已清理', photos: [photo] }, west)).statusCode).toBe(403);
    expect((await move(id, 'handle', { note: 'no photo' }, api.keys.admin)).json()).toMatchObject({ error: 'bad_request', field: 'photos' });
    expect(await statusOf(id)).toBe('dispatched');
    expect(await count("evidence WHERE case_id = $1 AND kind = 'after_photo'", [id])).toBe(0);

    const done = await handle({ note: '已清理，车辆已驶离', photos: [photo] });
    expect(done.statusCode).toBe(200);
    expect(done.json()).toMatchObject({ from: 'dispatched', to: 'handled' });
    const detail = (await api.app.inject({ method: 'GET', url: `/v1/cases/${id}`, headers: api.headers('reviewer') })).json();
    expect(detail.followUp).toEqual([expect.objectContaining({ kind: 'after_photo', sha256: photo, auditId: done.json().auditId })]);
    expect(detail.audit.at(-1)).toMatchObject({ action: 'handle', actor: 'field east-1', actorRole: 'field', note: '已清理，车辆已驶离' });
    expect((await api.app.inject({ method: 'GET', url: detail.followUp[0].url })).statusCode).toBe(200);
    // Sent again (a lost answer): 409, the case stays handled with one photo.
    expect((await handle({ note: '已清理', photos: [photo] })).statusCode).toBe(409);

    // Reopened and dispatched again: the old photo does not prove the new handling.
    await move(id, 'reopen');
    await move(id, 'dispatch', { unit: 'east-1' });
    expect((await uploadAfterPhoto(api, id, east, (await api.objects.get(photo))!)).json()).toMatchObject({ duplicate: true });
    const reused = await handle({ note: '又清理了', photos: [photo] });
    expect(reused.statusCode).toBe(409);
    expect(reused.json()).toMatchObject({ error: 'photo_already_used' });
    expect(await statusOf(id)).toBe('dispatched');
  });

  it('lets a reviewer undo their own confirm or reject within minutes, and an admin send a rejected case back to review', async () => {
    const id = await newCase();
    expect((await move(id, 'reject', { reason: '误报' })).statusCode).toBe(200);
    const other = await api.app.inject({ method: 'POST', url: `/v1/cases/${id}/undo`, headers: api.headers('admin') });
    expect(other.statusCode).toBe(403);
    expect(other.json()).toMatchObject({ error: 'not_your_decision' });
    const undone = await move(id, 'undo');
    expect(undone.json()).toMatchObject({ from: 'rejected', to: 'pending_review' });
    const c = (await api.app.inject({ method: 'GET', url: `/v1/cases/${id}`, headers: api.headers('reviewer') })).json();
    expect(c.rejectReason).toBeNull();
    expect(c.audit.slice(-2).map((a: { action: string }) => a.action)).toEqual(['reject', 'undo']);
    expect((await move(id, 'undo')).json()).toMatchObject({ error: 'nothing_to_undo' });

    await move(id, 'confirm');
    const start = api.clock.now;
    api.clock.now = new Date(start.getTime() + 6 * 60_000);
    expect((await move(id, 'undo')).json()).toMatchObject({ error: 'undo_window_passed' });
    api.clock.now = start;

    const rejected = await newCase();
    await move(rejected, 'reject', { reason: '重复案件' });
    expect((await move(rejected, 'reopen-rejected', {}, api.keys.reviewer)).statusCode).toBe(403);
    expect((await move(rejected, 'reopen-rejected', { note: '不是重复' }, api.keys.admin)).json()).toMatchObject({ from: 'rejected', to: 'pending_review' });
    expect(await statusOf(rejected)).toBe('pending_review');
  });

  it('takes the verifier’s report: gone → verified as system:verifier; still there → back to the unit with the frame and a note', async () => {
    const gone = await confirmed();
    const stays = await confirmed();
    for (const id of [gone, stays]) {
      await move(id, 'dispatch', { unit: 'east-1' });
      expect((await handleWithPhoto(api, id, east)).statusCode).toBe(200);
    }
    const due = async (s: number) => (await api.app.inject({ method: 'GET', url: `/v1/verification/due?lookAfterSeconds=${s}`, headers: api.headers('ingest') })).json().items.map((c: { id: number }) => c.id);
    expect(await due(60)).not.toContain(gone);
    api.clock.now = new Date(api.clock.now.getTime() + 61_000);
    expect(await due(60)).toEqual(expect.arrayContaining([gone, stays]));

    const report = async (id: number, outcome: string) =>
      api.app.inject({ method: 'POST', url: `/v1/cases/${id}/look-again`, headers: api.headers('ingest'), payload: { outcome, evidence: [await storedEvidence(api.objects)], seen: outcome === 'gone' ? [] : [{ label: 'truck', score: 0.71 }] } });
    expect((await report(gone, 'gone')).json()).toMatchObject({ to: 'verified' });
    const still = (await report(stays, 'still_there')).json();
    expect(still).toMatchObject({ to: 'dispatched' });
    expect(still.dueAt).toBeTruthy();
    expect((await report(gone, 'gone')).statusCode).toBe(409);

    const g = (await api.app.inject({ method: 'GET', url: `/v1/cases/${gone}`, headers: api.headers('reviewer') })).json();
    expect(g.audit.at(-1)).toMatchObject({ action: 'verify', actor: 'system:verifier', to: 'verified', details: expect.objectContaining({ method: 'camera_look_again', outcome: 'gone' }) });
    expect(g.followUp.map((e: { kind: string }) => e.kind)).toEqual(['after_photo', 'verify_frame']);
    const field = (await api.app.inject({ method: 'GET', url: '/v1/field/cases', headers: as(east) })).json();
    const back = field.items.find((c: { id: number }) => c.id === stays);
    expect(back.lastNote).toMatchObject({ action: 'still_there', actor: 'system:verifier' });
    expect(back.lastNote.text).toContain('still there');
    const detail = (await api.app.inject({ method: 'GET', url: `/v1/field/cases/${stays}`, headers: as(east) })).json();
    expect(detail.followUp.map((e: { kind: string }) => e.kind)).toEqual(['after_photo', 'verify_frame']);
    // A person can still verify by hand, after handling again.
    expect((await handleWithPhoto(api, stays, east)).statusCode).toBe(200);
    expect((await move(stays, 'verify', { note: '现场核查' })).json()).toMatchObject({ to: 'verified' });
  });

  it('lets a dispatcher read and dispatch cases from the board, but not review them', async () => {
    const { createKey } = await import('../../api/auth/keys.ts');
    const dispatcher = (await createKey(api.app.db, 'dispatcher', '调度员')).key;
    const id = await confirmed();
    const pending = await newCase();
    expect((await api.app.inject({ method: 'GET', url: '/v1/cases?status=confirmed', headers: as(dispatcher) })).statusCode).toBe(200);
    expect((await api.app.inject({ method: 'GET', url: '/v1/units', headers: as(dispatcher) })).statusCode).toBe(200);
    const sent = await api.app.inject({ method: 'POST', url: '/v1/cases/dispatch', headers: as(dispatcher), payload: { ids: [id], unit: 'west-2' } });
    expect(sent.statusCode).toBe(200);
    expect((await api.app.db.query<{ actor_role: string }>("SELECT actor_role FROM audit WHERE case_id = $1 AND action = 'dispatch'", [id]))[0]!.actor_role).toBe('dispatcher');
    expect((await move(pending, 'confirm', {}, dispatcher)).statusCode).toBe(403);
  });

  it('binds field keys to an existing unit when an admin creates them', async () => {
    const create = (payload: object) => api.app.inject({ method: 'POST', url: '/v1/keys', headers: api.headers('admin'), payload });
    expect((await create({ role: 'field', name: 'x' })).json()).toMatchObject({ field: 'unit' });
    expect((await create({ role: 'reviewer', name: 'x', unit: 'east-1' })).json()).toMatchObject({ field: 'unit' });
    expect((await create({ role: 'field', name: 'x', unit: 'mars' })).statusCode).toBe(422);
    const made = await create({ role: 'field', name: '东一中队手机', unit: 'east-1' });
    expect(made.statusCode).toBe(201);
    expect(made.json()).toMatchObject({ role: 'field', unit: 'east-1' });
    const me = (await api.app.inject({ method: 'GET', url: '/v1/field/me', headers: as(made.json().key) })).json();
    expect(me).toMatchObject({ role: 'field', unit: { id: 'east-1', name: 'east-1' } });
  });
});
