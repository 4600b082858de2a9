// Attribute labels (a truck's cover) given to cases through the API, their refusals, and
// `dataset:export --crops` writing them as crops/cover/<value>/ from real photos.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Box, Violation } from '../../contracts/types.ts';
import { exportDataset, httpTransport } from '../../models/dataset/export.ts';
import { readImageFolder } from '../../models/train/image-folder.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { freePort } from '../support/ports.ts';
import { capturedCase } from '../support/sample-cases.ts';

describe('attribute labels on cases', () => {
  let api: TestApi;
  let base: string;
  let tmp: string;

  const sighting = async (name: string, file: string, camera: string, type: Violation['type'], label: string, box: Box): Promise<number> =>
    (await capturedCase(api, { name, file, camera, type, label, box })).caseId;
  const label = (id: number, attribute: string, value: unknown, role: 'reviewer' | 'operator' = 'reviewer') =>
    api.app.inject({ method: 'PUT', url: `/v1/cases/${id}/labels/${attribute}`, headers: api.headers(role), payload: { value } });
  const detail = async (id: number) => (await api.app.inject({ method: 'GET', url: `/v1/cases/${id}`, headers: api.headers('reviewer') })).json();
  const review = async (id: number, verdict: 'confirm' | 'reject') => {
    const res = await api.app.inject({ method: 'POST', url: `/v1/cases/${id}/${verdict}`, headers: api.headers('reviewer'), payload: verdict === 'reject' ? { reason: '误报：不是违规' } : {} });
    expect(res.statusCode, res.body).toBe(200);
  };

  let truck: number;
  let muck: number;
  let car: number;

  beforeAll(async () => {
    api = await startTestApi();
    const port = await freePort();
    await api.app.listen({ port, host: '127.0.0.1' });
    base = `http://127.0.0.1:${port}`;
    tmp = await mkdtemp(path.join(os.tmpdir(), 'case-labels-'));
    // dog.jpg's parked pick-up truck, a muck-truck case (its type makes it labellable, whatever the box), and horses.jpg called a car.
    truck = await sighting('truck', 'darknet/dog.jpg', 'cam-east', 'illegal_parking', 'truck', [466, 74, 683, 171]);
    muck = await sighting('muck', 'darknet/person.jpg', 'cam-north', 'uncovered_muck_truck', 'muck truck', [60, 40, 400, 340]);
    car = await sighting('car', 'darknet/horses.jpg', 'cam-west', 'illegal_parking', 'car', [215, 70, 420, 380]);
  });

  afterAll(async () => {
    await api?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('offers the cover vocabulary with one key per value', async () => {
    const vocabulary = (await api.app.inject({ method: 'GET', url: '/v1/attribute-labels', headers: api.headers('reviewer') })).json();
    expect(vocabulary.cover.values.map((v: { value: string }) => v.value)).toEqual(['covered', 'uncovered', 'empty_bed']);
    expect(new Set(vocabulary.cover.values.map((v: { key: string }) => v.key)).size).toBe(3);
  });

  it('labels a truck case, changes the label, and audits both', async () => {
    const first = await label(truck, 'cover', 'covered');
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ caseId: truck, attribute: 'cover', value: 'covered', previous: null });
    const second = await label(truck, 'cover', 'uncovered');
    expect(second.json()).toMatchObject({ value: 'uncovered', previous: 'covered' });
    const d = await detail(truck);
    expect(d.labels).toEqual({ cover: 'uncovered' });
    expect(d.status).toBe('pending_review');
    expect(d.audit.filter((a: { action: string }) => a.action === 'label').map((a: { note: string }) => a.note)).toEqual(['cover: covered', 'cover: uncovered']);
    // A muck-truck case can be labelled whatever its detector label.
    expect((await label(muck, 'cover', 'empty_bed')).statusCode).toBe(200);
  });

  it('refuses a case with no truck, an unknown attribute or value, a missing case and a non-reviewer, changing nothing', async () => {
    const noTruck = await label(car, 'cover', 'covered');
    expect(noTruck.statusCode).toBe(422);
    expect(noTruck.json().message).toBe(`case ${car} is a "car" illegal_parking sighting; cover applies to truck, muck truck, dump truck, muck_truck`);
    const unknown = await label(truck, 'colour', 'red');
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().message).toMatch(/unknown attribute "colour" \(known: cover, zoneState\)/);
    // Names every object has are unknown attributes too, not the object's own properties.
    for (const name of ['__proto__', 'constructor', 'toString']) {
      const inherited = await label(truck, name, 'covered');
      expect(inherited.statusCode, name).toBe(400);
      expect(inherited.json().message).toMatch(new RegExp(`unknown attribute "${name}"`));
    }
    const badValue = await label(truck, 'cover', 'tarp');
    expect(badValue.statusCode).toBe(400);
    expect(badValue.json().message).toMatch(/"tarp" is not a value of cover \(one of covered, uncovered, empty_bed\)/);
    const empty = await label(truck, 'cover', '');
    expect(empty.statusCode).toBe(400);
    expect(empty.json().field).toBe('value');
    expect((await label(999_999, 'cover', 'covered')).statusCode).toBe(404);
    expect((await label(truck, 'cover', 'covered', 'operator')).statusCode).toBe(403);
    expect((await detail(truck)).labels).toEqual({ cover: 'uncovered' });
    expect((await detail(car)).labels).toEqual({});
  });

  it('dataset:export --crops writes labelled cases as crops/cover/<value>/ beside the verdict trees', async () => {
    await review(truck, 'confirm');
    await review(muck, 'reject');
    await review(car, 'confirm');
    const out = path.join(tmp, 'export');
    await exportDataset(httpTransport(base, api.keys.reviewer), { since: new Date('2026-03-01T00:00:00+08:00'), out, crops: true });
    const cover = await readImageFolder(path.join(out, 'crops', 'cover'));
    expect(cover.classes).toEqual(['empty_bed', 'uncovered']);
    expect(await readdir(path.join(out, 'crops', 'cover', 'uncovered'))).toEqual([`camera-cam-east__c${truck}-0.jpg`]);
    expect(await readdir(path.join(out, 'crops', 'cover', 'empty_bed'))).toEqual([`camera-cam-north__c${muck}-0.jpg`]);
    // The verdict trees are unchanged by labels: the rejected muck-truck case is still a rejected crop.
    expect(await readdir(path.join(out, 'crops', 'uncovered_muck_truck', 'rejected'))).toEqual([`camera-cam-north__c${muck}-0.jpg`]);
    expect((await readdir(path.join(out, 'crops', 'illegal_parking', 'confirmed'))).sort()).toEqual([`camera-cam-east__c${truck}-0.jpg`, `camera-cam-west__c${car}-0.jpg`].sort());
  });
});
