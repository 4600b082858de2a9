// Camera URLs that name their secret ({CAMERA_PASSWORD_GATE3}) or carry it sealed: what a worker
// resolves them to, from its environment, its secrets file and its key, and what it says when it cannot.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CameraSecretKeyError, loadCameraSecretKey, parseCameraSecretKey, type CameraSecretKey } from '../../infra/camera-secret-key.ts';
import { openSealedPassword, passwordForm, resolveCameraUrl, sealUrl, type SecretLookup } from '../../infra/camera-secrets.ts';
import { maskPassword } from '../../infra/redact.ts';
import { cameraSecretSource } from '../../pipeline/cameras/camera-secret-source.ts';

let dir: string;
let key: CameraSecretKey;
let otherKey: CameraSecretKey;
const none: SecretLookup = () => undefined;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'camera-secrets-'));
  key = (await loadCameraSecretKey({ keyFile: path.join(dir, 'keys', 'camera-secret.key') }, { create: true }))!;
  otherKey = parseCameraSecretKey('11'.repeat(32), 'test');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('secret names in camera URLs', () => {
  it('resolves a name from the environment, anywhere in the URL', () => {
    const env = { CAMERA_PASSWORD_GATE3: 'p@ss%40', CAMERA_TOKEN_GATE3: 'tok' };
    const lookup: SecretLookup = (n) => env[n as keyof typeof env];
    expect(resolveCameraUrl('rtsp://admin:{CAMERA_PASSWORD_GATE3}@10.0.0.5/stream1?t={CAMERA_TOKEN_GATE3}', 'gate3', undefined, lookup)).toEqual({
      url: 'rtsp://admin:p@ss%40@10.0.0.5/stream1?t=tok',
    });
  });

  it('says which secrets are missing, each once', () => {
    expect(resolveCameraUrl('rtsp://admin:{CAMERA_PASSWORD_GATE3}@10.0.0.5/s', 'gate3', key, none)).toEqual({ error: 'missing secret CAMERA_PASSWORD_GATE3' });
    expect(resolveCameraUrl('rtsp://{CAMERA_USER_A}:{CAMERA_PASSWORD_A}@h/{CAMERA_PASSWORD_A}', 'a', key, none)).toEqual({ error: 'missing secrets CAMERA_USER_A, CAMERA_PASSWORD_A' });
  });

  it('never resolves names that are not camera secrets, such as the key or the worker settings', () => {
    const env: Record<string, string> = { CAMERA_SECRET_KEY: key.key.toString('hex'), INGEST_KEY: 'cgk_x', CAMERA_SECRETS_FILE: '/x' };
    const lookup: SecretLookup = (n) => env[n];
    const leak = resolveCameraUrl('rtsp://{CAMERA_SECRET_KEY}@evil.example/{INGEST_KEY}', 'evil', key, lookup);
    expect('error' in leak && leak.error).toMatch(/\{CAMERA_SECRET_KEY\} is a setting of the product.*\{INGEST_KEY\} is not a camera secret name/);
    expect(JSON.stringify(leak)).not.toContain(env.CAMERA_SECRET_KEY!);
  });

  it('reads a secrets file (KEY=VALUE or JSON) and reads it again when it changes', async () => {
    const file = path.join(dir, 'secrets.env');
    await writeFile(file, '# gate cameras\nCAMERA_PASSWORD_GATE3=from-file\nexport CAMERA_PASSWORD_GATE4="quoted value"\n\n');
    const source = cameraSecretSource({ CAMERA_SECRETS_FILE: file, CAMERA_PASSWORD_GATE4: 'from-env' });
    expect(resolveCameraUrl('rtsp://a:{CAMERA_PASSWORD_GATE3}@h/1', 'g3', key, source.lookup())).toEqual({ url: 'rtsp://a:from-file@h/1' });
    // The environment comes first.
    expect(resolveCameraUrl('rtsp://a:{CAMERA_PASSWORD_GATE4}@h/1', 'g4', key, source.lookup())).toEqual({ url: 'rtsp://a:from-env@h/1' });
    expect(resolveCameraUrl('rtsp://a:{CAMERA_PASSWORD_GATE5}@h/1', 'g5', key, source.lookup())).toEqual({ error: 'missing secret CAMERA_PASSWORD_GATE5' });
    await writeFile(file, JSON.stringify({ CAMERA_PASSWORD_GATE3: 'json-3', CAMERA_PASSWORD_GATE5: 'json-5 now here' }));
    expect(resolveCameraUrl('rtsp://a:{CAMERA_PASSWORD_GATE5}@h/1', 'g5', key, source.lookup())).toEqual({ url: 'rtsp://a:json-5 now here@h/1' });
    expect(resolveCameraUrl('rtsp://a:{CAMERA_PASSWORD_GATE3}@h/1', 'g3', key, source.lookup())).toEqual({ url: 'rtsp://a:json-3@h/1' });
  });

  it('names the file and line of a secrets file it cannot use', async () => {
    const file = path.join(dir, 'broken.env');
    await writeFile(file, 'CAMERA_A=1\nthis line is wrong\n');
    const named = 'rtsp://a:{CAMERA_A}@h/1';
    expect(() => resolveCameraUrl(named, 'a', key, cameraSecretSource({ CAMERA_SECRETS_FILE: file }).lookup())).toThrow(`secrets file ${file}: line 2 is not NAME=value`);
    await writeFile(file, '{"CAMERA_A": 5}');
    expect(() => resolveCameraUrl(named, 'a', key, cameraSecretSource({ CAMERA_SECRETS_FILE: file }).lookup())).toThrow(`secrets file ${file}: CAMERA_A must be a string`);
    const missingFile = cameraSecretSource({ CAMERA_SECRETS_FILE: path.join(dir, 'nope'), CAMERA_B: 'from-env' });
    expect(() => resolveCameraUrl(named, 'a', key, missingFile.lookup())).toThrow(/CAMERA_SECRETS_FILE\): does not exist/);
    // Cameras that need nothing from the file are not held back by it.
    expect(resolveCameraUrl('rtsp://a:{CAMERA_B}@h/1', 'b', key, missingFile.lookup())).toEqual({ url: 'rtsp://a:from-env@h/1' });
    expect(resolveCameraUrl('rtsp://h/1', 'c', key, missingFile.lookup())).toEqual({ url: 'rtsp://h/1' });
  });
});

describe('sealed passwords', () => {
  const url = 'rtsp://admin:s3cret:with@chars@10.0.0.5:554/Streaming/Channels/101';

  it('seals a clear password in place and opens it with the same key for the same camera', () => {
    const sealed = sealUrl(url, key, 'gate3');
    expect(sealed).not.toContain('s3cret');
    expect(sealed).toMatch(new RegExp(`^rtsp://admin:\\{sealed:v1:${key.id}:[\\w-]+\\}@10\\.0\\.0\\.5:554/Streaming/Channels/101$`));
    expect(passwordForm(sealed)).toBe('sealed');
    // Each sealing is fresh (random IV); sealing twice changes nothing.
    expect(sealUrl(url, key, 'gate3')).not.toBe(sealed);
    expect(sealUrl(sealed, key, 'gate3')).toBe(sealed);
    expect(resolveCameraUrl(sealed, 'gate3', key, none)).toEqual({ url });
    expect(maskPassword(sealed)).toBe('rtsp://admin:***@10.0.0.5:554/Streaming/Channels/101');
    expect(maskPassword(url)).toBe('rtsp://admin:***@10.0.0.5:554/Streaming/Channels/101');
  });

  it('says why a sealed password cannot be opened: no key, another key, another camera, altered', () => {
    const sealed = sealUrl(url, key, 'gate3');
    expect(resolveCameraUrl(sealed, 'gate3', undefined, none)).toEqual({ error: `the camera password is encrypted (key ${key.id}) and this worker has no camera secret key (CAMERA_SECRET_KEY)` });
    expect(resolveCameraUrl(sealed, 'gate3', otherKey, none)).toEqual({ error: `the camera password was encrypted with another key (${key.id}; this worker's is ${otherKey.id}): give the camera's password again` });
    expect(resolveCameraUrl(sealed, 'gate4', key, none)).toEqual({ error: expect.stringMatching(/does not open with this key/) });
    const token = /\{sealed:[^}]+\}/.exec(sealed)![0];
    const altered = token.slice(0, -3) + (token.at(-3) === 'A' ? 'B' : 'A') + token.slice(-2);
    expect(() => openSealedPassword(altered, key, 'gate3')).toThrow(/does not open with this key/);
  });

  it('keeps names and URLs without a password as they are', () => {
    for (const u of ['rtsp://admin:{CAMERA_PASSWORD_GATE3}@h/1', 'rtsp://admin@h/1', 'rtsp://h/1', '/data/replay.mp4']) {
      expect(sealUrl(u, key, 'x')).toBe(u);
      expect(maskPassword(u)).toBe(u);
    }
  });
});

describe('the camera secret key', () => {
  it('is made once with mode 0600 and then reused', async () => {
    const file = path.join(dir, 'keys', 'camera-secret.key');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const again = await loadCameraSecretKey({ keyFile: file }, { create: true });
    expect(again!.id).toBe(key.id);
    expect((await readFile(file, 'utf8')).trim()).toBe(key.key.toString('hex'));
  });

  it('comes from CAMERA_SECRET_KEY before any file, as hex or base64', async () => {
    const hex = 'ab'.repeat(32);
    expect((await loadCameraSecretKey({ key: hex, keyFile: path.join(dir, 'keys', 'camera-secret.key') }))!.key.toString('hex')).toBe(hex);
    expect(parseCameraSecretKey(Buffer.from(hex, 'hex').toString('base64'), 'env').key.toString('hex')).toBe(hex);
  });

  it('refuses a key of the wrong size, naming where it came from, and is absent when a worker has none', async () => {
    await expect(loadCameraSecretKey({ key: 'short' })).rejects.toThrow(CameraSecretKeyError);
    await expect(loadCameraSecretKey({ key: 'short' })).rejects.toThrow('CAMERA_SECRET_KEY: a camera secret key is 32 bytes written as 64 hex digits or base64');
    expect(await loadCameraSecretKey({ keyFile: path.join(dir, 'none', 'camera-secret.key') })).toBeUndefined();
  });
});
