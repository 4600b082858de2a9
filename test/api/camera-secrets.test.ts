// Issue 12: camera passwords were stored and served in clear. Now: sealed in the database, masked
// in every answer to every role, a masked URL sent back keeps the stored password (same user and
// host only), secret names ({CAMERA_…}) kept as they are, and cameras stored in clear before this
// are sealed on start without losing any.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../api/case/actor.ts';
import { configFromEnv } from '../../api/config.ts';
import { loadCameraSecretKey, type CameraSecretKey } from '../../infra/camera-secret-key.ts';
import { resolveCameraUrl } from '../../infra/camera-secrets.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { dbBackends } from '../support/db-backends.ts';

const PASSWORD = 'Gate3-s3cret!';
const zones = [{ id: 'kerb', kind: 'no_parking', polygon: [[0.1, 0.1], [0.9, 0.1], [0.9, 0.9]] }];
const literal = { id: 'gate3', name: 'Gate 3', url: `rtsp://admin:${PASSWORD}@10.0.0.5:554/stream1`, zones };
const named = { id: 'gate4', name: 'Gate 4', url: 'rtsp://admin:{CAMERA_PASSWORD_GATE4}@10.0.0.6/stream1', zones };
const ROLES_READING: Role[] = ['ingest', 'operator', 'reviewer'];

async function storedUrl(api: TestApi, id: string): Promise<string> {
  const [row] = await api.app.db.query<{ config: { url: string } }>('SELECT config FROM cameras WHERE id = $1', [id]);
  return row!.config.url;
}

describe.each(dbBackends('camsecrets'))('camera passwords on %s', (_name, settings) => {
  let api: TestApi;
  let keyDir: string;
  let key: CameraSecretKey;
  beforeAll(async () => {
    keyDir = await mkdtemp(path.join(os.tmpdir(), 'camera-key-'));
    const keyFile = path.join(keyDir, 'camera-secret.key');
    api = await startTestApi(await settings(), { cameraSecrets: { keyFile } });
    key = (await loadCameraSecretKey({ keyFile }))!;
  });
  afterAll(async () => {
    await api?.close();
    await rm(keyDir, { recursive: true, force: true });
  });
  const req = (method: 'GET' | 'POST' | 'PUT', url: string, role: Role, payload?: object) => api.app.inject({ method, url, headers: api.headers(role), payload });

  it('stores a literal password sealed and answers every role with it masked', async () => {
    const created = await req('PUT', '/v1/cameras/gate3', 'operator', literal);
    expect(created.statusCode).toBe(201);
    expect(created.json().url).toBe('rtsp://admin:***@10.0.0.5:554/stream1');
    const stored = await storedUrl(api, 'gate3');
    expect(stored).not.toContain(PASSWORD);
    expect(stored).toMatch(/^rtsp:\/\/admin:\{sealed:v1:[0-9a-f]{8}:[\w-]+\}@10\.0\.0\.5:554\/stream1$/);
    for (const role of ROLES_READING) {
      const list = await req('GET', '/v1/cameras', role);
      const one = await req('GET', '/v1/cameras/gate3', role);
      expect(list.body + one.body).not.toContain(PASSWORD);
      expect(one.json().url).toBe(role === 'reviewer' ? 'rtsp://***@10.0.0.5:554/stream1' : 'rtsp://admin:***@10.0.0.5:554/stream1');
    }
    // The pipeline's copy is sealed, and opens with the key to what the operator gave.
    const forIngest = (await req('GET', '/v1/cameras/gate3', 'ingest')).json();
    expect(forIngest.sealedUrl).toBe(stored);
    expect(resolveCameraUrl(forIngest.sealedUrl, 'gate3', key, () => undefined)).toEqual({ url: literal.url });
    expect((await req('GET', '/v1/cameras/gate3', 'operator')).json()).not.toHaveProperty('sealedUrl');
    const status = await req('GET', '/v1/status', 'operator');
    expect(status.body).not.toContain(PASSWORD);
  });

  it('keeps the stored password when an edit sends the masked URL back', async () => {
    const before = await storedUrl(api, 'gate3');
    const shown = (await req('GET', '/v1/cameras/gate3', 'operator')).json();
    const edited = await req('PUT', '/v1/cameras/gate3', 'operator', { ...shown, name: 'Gate 3 (east)', url: shown.url.replace('/stream1', '/stream2') });
    expect(edited.statusCode).toBe(200);
    const after = await storedUrl(api, 'gate3');
    expect(resolveCameraUrl(after, 'gate3', key, () => undefined)).toEqual({ url: `rtsp://admin:${PASSWORD}@10.0.0.5:554/stream2` });
    expect(after).not.toBe(before);
    // A plain re-send of what was shown changes nothing either.
    const again = await req('PUT', '/v1/cameras/gate3', 'operator', (await req('GET', '/v1/cameras/gate3', 'operator')).json());
    expect(again.statusCode).toBe(200);
    expect(resolveCameraUrl(await storedUrl(api, 'gate3'), 'gate3', key, () => undefined)).toEqual({ url: `rtsp://admin:${PASSWORD}@10.0.0.5:554/stream2` });
  });

  it('seals and masks a patrol camera’s snapshot URL like its stream URL, and an edit keeps it', async () => {
    const patrol = { ...literal, id: 'gate5', analysis: { mode: 'patrol', everySeconds: 30, grab: 'snapshot', snapshotUrl: `http://admin:${PASSWORD}@10.0.0.5/snap.jpg` } };
    expect((await req('PUT', '/v1/cameras/gate5', 'operator', patrol)).statusCode).toBe(201);
    const [row] = await api.app.db.query<{ config: { analysis: { snapshotUrl: string } } }>('SELECT config FROM cameras WHERE id = $1', ['gate5']);
    const sealed = row!.config.analysis.snapshotUrl;
    expect(sealed).not.toContain(PASSWORD);
    for (const role of ROLES_READING) {
      const one = await req('GET', '/v1/cameras/gate5', role);
      expect(one.body).not.toContain(PASSWORD);
      if (role !== 'ingest') expect(one.json().analysis.snapshotUrl).toMatch(/^http:\/\/(admin:)?\*\*\*@10\.0\.0\.5\/snap\.jpg$/);
    }
    // The pipeline gets it sealed, and it opens to what the operator gave.
    const forIngest = (await req('GET', '/v1/cameras/gate5', 'ingest')).json();
    expect(resolveCameraUrl(forIngest.analysis.snapshotUrl, 'gate5', key, () => undefined)).toEqual({ url: patrol.analysis.snapshotUrl });
    const shown = (await req('GET', '/v1/cameras/gate5', 'operator')).json();
    expect((await req('PUT', '/v1/cameras/gate5', 'operator', shown)).statusCode).toBe(200);
    const [after] = await api.app.db.query<{ config: { analysis: { snapshotUrl: string } } }>('SELECT config FROM cameras WHERE id = $1', ['gate5']);
    expect(resolveCameraUrl(after!.config.analysis.snapshotUrl, 'gate5', key, () => undefined)).toEqual({ url: patrol.analysis.snapshotUrl });
  });

  it('refuses a masked password sent to another host or user, or where none is stored', async () => {
    const toOtherHost = await req('PUT', '/v1/cameras/gate3', 'operator', { ...literal, url: 'rtsp://admin:***@203.0.113.9:554/stream1' });
    expect(toOtherHost.statusCode).toBe(400);
    expect(toOtherHost.json().message).toBe('camera gate3: url keeps the stored password (***) only for the same scheme, user and host; give the password again to use it with another');
    const otherUser = await req('PUT', '/v1/cameras/gate3', 'operator', { ...literal, url: 'rtsp://root:***@10.0.0.5:554/stream1' });
    expect(otherUser.statusCode).toBe(400);
    const fresh = await req('POST', '/v1/cameras', 'operator', { ...literal, id: 'gate9', url: 'rtsp://admin:***@10.0.0.5:554/stream1' });
    expect(fresh.statusCode).toBe(400);
    expect(fresh.json().message).toMatch(/camera gate9 has no stored password to keep; give the password/);
    // Nothing changed for gate3.
    expect(resolveCameraUrl(await storedUrl(api, 'gate3'), 'gate3', key, () => undefined)).toEqual({ url: `rtsp://admin:${PASSWORD}@10.0.0.5:554/stream2` });
  });

  it('refuses a sealed password sent in, and secret names that are not camera secrets', async () => {
    const sealed = await storedUrl(api, 'gate3');
    const copied = await req('PUT', '/v1/cameras/gate8', 'operator', { ...literal, id: 'gate8', url: sealed });
    expect(copied.statusCode).toBe(400);
    expect(copied.json().message).toMatch(/in the form the API stores it/);
    for (const [name, why] of [
      ['camera_pw', /not a camera secret name/],
      ['CAMERA_SECRET_KEY', /is a setting of the product/],
      ['INGEST_KEY', /not a camera secret name/],
    ] as const) {
      const res = await req('PUT', '/v1/cameras/gate8', 'operator', { ...literal, id: 'gate8', url: `rtsp://admin:{${name}}@10.0.0.5/s` });
      expect(res.statusCode).toBe(400);
      expect(res.json().message).toMatch(why);
    }
  });

  it('keeps a URL that names its secret as it is, for every role', async () => {
    expect((await req('PUT', '/v1/cameras/gate4', 'operator', named)).statusCode).toBe(201);
    expect(await storedUrl(api, 'gate4')).toBe(named.url);
    expect((await req('GET', '/v1/cameras/gate4', 'operator')).json().url).toBe(named.url);
    expect((await req('GET', '/v1/cameras/gate4', 'ingest')).json().sealedUrl).toBe(named.url);
  });
});

describe('cameras stored in clear before passwords were sealed', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'camera-migrate-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });
  const pglite = () => ({ kind: 'pglite' as const, dir: path.join(dataDir, 'pglite') });
  const keyFile = () => path.join(dataDir, 'keys', 'camera-secret.key');

  it('are kept (masked) by an API without a key, and sealed by the first start with one', async () => {
    // A store as it was before: the camera's password in clear in its config.
    const old = await startTestApi(pglite(), { cameraSecrets: undefined });
    await old.app.db.query('INSERT INTO cameras (id, config, created_at, updated_at) VALUES ($1, $2, now(), now())', ['old-gate', JSON.stringify({ ...literal, id: 'old-gate' })]);
    await old.close();

    const keyless = await startTestApi(pglite(), { cameraSecrets: undefined });
    try {
      const seen = await keyless.app.inject({ method: 'GET', url: '/v1/cameras', headers: keyless.headers('ingest') });
      expect(seen.json().items.map((c: { id: string }) => c.id)).toEqual(['old-gate']);
      expect(seen.body).not.toContain(PASSWORD);
      expect(seen.json().items[0]).not.toHaveProperty('sealedUrl');
      // Nothing sealed without a key, nothing lost; a new literal password is refused, a name is not.
      expect(await storedUrl(keyless, 'old-gate')).toBe(literal.url);
      const refused = await keyless.app.inject({ method: 'PUT', url: '/v1/cameras/new', headers: keyless.headers('operator'), payload: { ...literal, id: 'new' } });
      expect(refused.statusCode).toBe(400);
      expect(refused.json().message).toMatch(/no camera secret key \(CAMERA_SECRET_KEY\).*\{CAMERA_PASSWORD_GATE3\}/);
      const namedOk = await keyless.app.inject({ method: 'PUT', url: '/v1/cameras/gate4', headers: keyless.headers('operator'), payload: named });
      expect(namedOk.statusCode).toBe(201);
    } finally {
      await keyless.close();
    }

    const keyed = await startTestApi(pglite(), { cameraSecrets: { keyFile: keyFile() } });
    try {
      const key = (await loadCameraSecretKey({ keyFile: keyFile() }))!;
      const stored = await storedUrl(keyed, 'old-gate');
      expect(stored).not.toContain(PASSWORD);
      expect(resolveCameraUrl(stored, 'old-gate', key, () => undefined)).toEqual({ url: literal.url });
      const ids = (await keyed.app.inject({ method: 'GET', url: '/v1/cameras', headers: keyed.headers('operator') })).json().items.map((c: { id: string }) => c.id);
      expect(ids).toEqual(['gate4', 'old-gate']);
      expect(await storedUrl(keyed, 'gate4')).toBe(named.url);
    } finally {
      await keyed.close();
    }
    // A second start finds nothing left to seal and changes nothing.
    const again = await startTestApi(pglite(), { cameraSecrets: { keyFile: keyFile() } });
    try {
      const key = (await loadCameraSecretKey({ keyFile: keyFile() }))!;
      expect(resolveCameraUrl(await storedUrl(again, 'old-gate'), 'old-gate', key, () => undefined)).toEqual({ url: literal.url });
    } finally {
      await again.close();
    }
  });
});

describe('the key on embedded defaults and from the environment', () => {
  it('is made once under DATA_DIR (mode 0600) with no configuration, and CAMERA_SECRET_KEY wins over it', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'camera-key-env-'));
    try {
      const config = configFromEnv({ DATA_DIR: dataDir });
      expect(config.cameraSecrets).toEqual({ keyFile: path.join(dataDir, 'keys', 'camera-secret.key') });
      const api = await startTestApi({ kind: 'pglite' }, { cameraSecrets: config.cameraSecrets });
      try {
        const res = await api.app.inject({ method: 'PUT', url: '/v1/cameras/gate3', headers: api.headers('operator'), payload: literal });
        expect(res.statusCode).toBe(201);
        const file = path.join(dataDir, 'keys', 'camera-secret.key');
        expect((await stat(file)).mode & 0o777).toBe(0o600);
        const key = (await loadCameraSecretKey({ keyFile: file }))!;
        expect(resolveCameraUrl(await storedUrl(api, 'gate3'), 'gate3', key, () => undefined)).toEqual({ url: literal.url });
      } finally {
        await api.close();
      }
      const fromEnv = configFromEnv({ DATA_DIR: dataDir, CAMERA_SECRET_KEY: 'cd'.repeat(32) });
      expect((await loadCameraSecretKey(fromEnv.cameraSecrets!))!.key.toString('hex')).toBe('cd'.repeat(32));
      await expect(startTestApi({ kind: 'pglite' }, { cameraSecrets: { key: 'not a key' } })).rejects.toThrow(/CAMERA_SECRET_KEY: a camera secret key is 32 bytes/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
