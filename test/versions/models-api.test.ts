// The model versions API on a real API (PGlite) with versions the real training job made: list,
// read, compare on the same held-out reviews, promote, roll back, with who did it recorded and the
// refusals (400, 403, 404, 409) naming the problem.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveManifestPath } from '../../models/versions/live-manifest.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { twoSceneVersions } from './review-crops.ts';

let work: string;
let api: TestApi;
let modelsDir: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'models-api-'));
  modelsDir = path.join(work, 'models');
  api = await startTestApi({ kind: 'pglite' }, { modelsDir });
  await twoSceneVersions({ db: api.app.db, modelsDir }, work);
}, 180_000);

afterAll(async () => {
  await api?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

const get = (url: string, role: 'admin' | 'reviewer' = 'admin') => api.app.inject({ method: 'GET', url, headers: api.headers(role) });
const post = (url: string, payload?: object) => api.app.inject({ method: 'POST', url, headers: api.headers('admin'), ...(payload ? { payload } : {}) });
const liveClassifiers = async () => JSON.parse(await readFile(liveManifestPath(modelsDir), 'utf8')).models.filter((m: { kind: string }) => m.kind === 'classifier').map((m: { id: string }) => m.id);

describe('/v1/models', () => {
  it('lists versions with parent, data summary, metrics, the live one and the promotion rule', async () => {
    const res = await get('/v1/models/versions');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.items.map((v: { id: string }) => v.id)).toEqual(['scene-2', 'scene-1']);
    expect(body.live).toEqual({ scene: 'scene-1' });
    expect(body.rule).toMatch(/at least 0.01/);
    const [second, first] = body.items;
    expect(second).toMatchObject({ parentId: 'scene-1', live: false, promotedBy: null, comparison: { decision: 'refuse' } });
    expect(first).toMatchObject({ parentId: null, live: true, promotedBy: 'training job', comparison: { decision: 'promote' } });
    expect(first.training.classes).toEqual({ aerial: expect.any(Number), street: expect.any(Number) });
    expect(first.metrics.heldOut.balancedAccuracy).toBeGreaterThan(0.5);
  });

  it('is for admins only', async () => {
    expect((await get('/v1/models/versions', 'reviewer')).statusCode).toBe(403);
  });

  it('reads one version with its target\'s promotions; an unknown one is 404, a malformed id 400', async () => {
    const one = (await get('/v1/models/versions/scene-1')).json();
    expect(one.promotions).toEqual([expect.objectContaining({ action: 'promote', versionId: 'scene-1', actor: 'training job' })]);
    const missing = await get('/v1/models/versions/scene-9');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().message).toMatch(/no model version "scene-9"/);
    expect((await get('/v1/models/versions/..%2Fetc')).statusCode).toBe(400);
  });

  it('compares two versions on the same held-out reviews', async () => {
    const res = await get('/v1/models/compare?a=scene-1&b=scene-2');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.heldOut.of).toBe('scene-2');
    expect(body.versions.map((v: { id: string }) => v.id)).toEqual(['scene-1', 'scene-2']);
    for (const v of body.versions) expect(v.metrics.crops).toBe(body.heldOut.crops);
    expect(body.versions[0].metrics.balancedAccuracy).toBeGreaterThan(body.versions[1].metrics.balancedAccuracy);
    const same = await get('/v1/models/compare?a=scene-1&b=scene-1');
    expect(same.statusCode).toBe(409);
    expect(same.json().message).toMatch(/two different versions/);
    expect((await get('/v1/models/compare?a=scene-1')).statusCode).toBe(400);
  }, 60_000);

  it('promotes, recording who and why, and rewrites the manifest the workers read', async () => {
    const res = await post('/v1/models/versions/scene-2/promote', { reason: 'try the new one' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ action: 'promote', versionId: 'scene-2', previousId: 'scene-1', actor: 'test admin', actorRole: 'admin', reason: 'try the new one' });
    expect(await liveClassifiers()).toEqual(['scene-2']);
    expect((await get('/v1/models/versions/scene-2')).json()).toMatchObject({ live: true, promotedBy: 'test admin' });
    const again = await post('/v1/models/versions/scene-2/promote');
    expect(again.statusCode).toBe(409);
    expect(again.json().message).toMatch(/already the live scene model/);
    expect((await post('/v1/models/versions/scene-2/promote', { reason: 'x', extra: 1 })).statusCode).toBe(400);
    expect((await post('/v1/models/versions/nope-1/promote')).statusCode).toBe(404);
  });

  it('refuses to promote a version whose files are gone, and nothing changes', async () => {
    const labels = path.join(modelsDir, 'versions', 'scene-1', 'scene-1.labels.txt');
    const kept = await readFile(labels);
    await rm(labels);
    try {
      const before = await liveClassifiers();
      const res = await post('/v1/models/versions/scene-1/promote');
      expect(res.statusCode).toBe(409);
      expect(res.json().message).toMatch(/the workers' manifest cannot be written, nothing changed: .*scene-1\.labels\.txt/);
      expect(await liveClassifiers()).toEqual(before);
      expect((await get('/v1/models/versions')).json().live).toEqual({ scene: 'scene-2' });
    } finally {
      await writeFile(labels, kept);
    }
  });

  it('rolls back to the version live before, and refuses what cannot be rolled back', async () => {
    const res = await post('/v1/models/targets/scene/rollback', { reason: 'worse on the street' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ action: 'rollback', versionId: 'scene-1', actor: 'test admin' });
    expect(await liveClassifiers()).toEqual(['scene-1']);
    expect((await post('/v1/models/targets/scene/rollback')).statusCode).toBe(200); // scene-1 → none
    expect(await liveClassifiers()).toEqual([]);
    const none = await post('/v1/models/targets/scene/rollback');
    expect(none.statusCode).toBe(409);
    expect(none.json().message).toMatch(/no live scene model/);
    const unknown = await post('/v1/models/targets/cover/rollback');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().message).toMatch(/no model versions of "cover"/);
  });
});
