// Reviewers label the state of a watch zone on 暴露垃圾 cases from fixed cameras (clean / garbage,
// single keys on the review page), and `dataset:export --crops` writes those snapshots as
// crops/zoneState/<class>/, the tree `npm run train -- classifier` learns a zone-state classifier from.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Box, Violation } from '../../contracts/types.ts';
import { exportDataset, httpTransport } from '../../models/dataset/export.ts';
import { readImageFolder } from '../../models/train/image-folder.ts';
import { LEFT_BEHIND_LABEL } from '../../pipeline/background/left-behind.ts';
import { zoneBox } from '../../pipeline/background/zone-state.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { freePort } from '../support/ports.ts';
import { capturedCase } from '../support/sample-cases.ts';

describe('zone-state labels on exposed_garbage cases', () => {
  let api: TestApi;
  let base: string;
  let tmp: string;
  let littered: number;
  let cleaned: number;
  let parked: number;

  const sighting = async (name: string, file: string, camera: string, type: Violation['type'], label: string, box: Box): Promise<number> =>
    (await capturedCase(api, { name, file, camera, type, label, box })).caseId;
  const label = (id: number, value: unknown) => api.app.inject({ method: 'PUT', url: `/v1/cases/${id}/labels/zoneState`, headers: api.headers('reviewer'), payload: { value } });

  beforeAll(async () => {
    api = await startTestApi();
    const port = await freePort();
    await api.app.listen({ port, host: '127.0.0.1' });
    base = `http://127.0.0.1:${port}`;
    tmp = await mkdtemp(path.join(os.tmpdir(), 'zone-labels-'));
    // A watch zone at the bottom left of dog.jpg (the pavement) as a zone-state case boxes it, and a left-behind thing on it.
    const zone = zoneBox({ polygon: [[0, 0.8], [0.3, 0.8], [0.3, 1], [0, 1]] }, { width: 768, height: 576 });
    littered = await sighting('bins-1', 'darknet/dog.jpg', 'cam-bins', 'exposed_garbage', 'garbage (zone state)', zone);
    cleaned = await sighting('bins-2', 'darknet/person.jpg', 'cam-corner', 'exposed_garbage', LEFT_BEHIND_LABEL, [100, 300, 260, 420]);
    parked = await sighting('car', 'darknet/horses.jpg', 'cam-west', 'illegal_parking', 'car', [215, 70, 420, 380]);
  });

  afterAll(async () => {
    await api?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('offers clean and garbage with keys of their own, and labels exposed_garbage cases only', async () => {
    const vocabulary = (await api.app.inject({ method: 'GET', url: '/v1/attribute-labels', headers: api.headers('reviewer') })).json();
    expect(vocabulary.zoneState.values.map((v: { value: string }) => v.value)).toEqual(['clean', 'garbage']);
    const keys = Object.values(vocabulary).flatMap((a) => (a as { values: Array<{ key: string }> }).values.map((v) => v.key));
    expect(new Set(keys).size).toBe(keys.length);
    expect((await label(littered, 'garbage')).json()).toMatchObject({ attribute: 'zoneState', value: 'garbage', previous: null });
    expect((await label(cleaned, 'clean')).statusCode).toBe(200);
    const wrongCase = await label(parked, 'garbage');
    expect(wrongCase.statusCode).toBe(422);
    expect(wrongCase.json().message).toMatch(/is a "car" illegal_parking sighting; zoneState applies to/);
    const wrongValue = await label(littered, 'dirty');
    expect(wrongValue.statusCode).toBe(400);
    expect(wrongValue.json().message).toMatch(/"dirty" is not a value of zoneState \(one of clean, garbage\)/);
  });

  it('dataset:export --crops writes the snapshots as crops/zoneState/<class>/', async () => {
    const out = path.join(tmp, 'export');
    for (const id of [littered, cleaned]) {
      const res = await api.app.inject({ method: 'POST', url: `/v1/cases/${id}/confirm`, headers: api.headers('reviewer'), payload: {} });
      expect(res.statusCode, res.body).toBe(200);
    }
    await exportDataset(httpTransport(base, api.keys.reviewer), { since: new Date('2026-03-01T00:00:00+08:00'), out, crops: true });
    const tree = await readImageFolder(path.join(out, 'crops', 'zoneState'));
    expect(tree.classes).toEqual(['clean', 'garbage']);
    expect(await readdir(path.join(out, 'crops', 'zoneState', 'garbage'))).toEqual([`camera-cam-bins__c${littered}-0.jpg`]);
    expect(await readdir(path.join(out, 'crops', 'zoneState', 'clean'))).toEqual([`camera-cam-corner__c${cleaned}-0.jpg`]);
  });
});
