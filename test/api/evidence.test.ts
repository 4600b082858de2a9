// Evidence access: signed short-lived links for browsers, hash checked on every read, on the
// local folder store and on S3 (s3rver).
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openObjectStore, type ObjectStore } from '../../infra/object-store.ts';
import { observation, startTestApi, storedEvidence, type TestApi } from '../support/api.ts';
import { startS3, type TestS3 } from '../support/s3-server.ts';
import { samplePath } from '../support/samples.ts';

describe('evidence on the folder store', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ kind: 'pglite' });
  });
  afterAll(async () => {
    await api?.close();
  });

  async function caseWithPhoto() {
    const photo = await readFile(samplePath('darknet/dog.jpg'));
    const item = await storedEvidence(api.objects, 'frame', photo);
    const id = (await api.app.inject({ method: 'POST', url: '/v1/cases', headers: api.headers('ingest'), payload: observation({ evidence: [item] }) })).json().caseId;
    const detail = (await api.app.inject({ method: 'GET', url: `/v1/cases/${id}`, headers: api.headers('reviewer') })).json();
    return { photo, item, detail };
  }

  it('serves evidence through a signed link, byte for byte, with its hash', async () => {
    const { photo, item, detail } = await caseWithPhoto();
    const url = detail.evidence[0].url as string;
    expect(url).toMatch(new RegExp(`^/v1/evidence/${item.sha256}\\?exp=\\d+&sig=`));
    const res = await api.app.inject({ method: 'GET', url });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/jpeg');
    expect(res.headers['x-evidence-sha256']).toBe(item.sha256);
    expect(res.rawPayload.equals(photo)).toBe(true);
  });

  it('refuses altered, foreign and expired links, and evidence requests without a key', async () => {
    const { item, detail } = await caseWithPhoto();
    const url = detail.evidence[0].url as string;
    expect((await api.app.inject({ method: 'GET', url: `/v1/evidence/${item.sha256}` })).statusCode).toBe(401);
    // One character of the signature changed (to another one: a signature may start with "A" already).
    const altered = url.replace(/sig=(.)/, (_, c: string) => `sig=${c === 'A' ? 'B' : 'A'}`);
    expect(altered).not.toBe(url);
    expect((await api.app.inject({ method: 'GET', url: altered })).statusCode).toBe(401);
    const other = await storedEvidence(api.objects);
    await api.app.inject({ method: 'POST', url: '/v1/cases', headers: api.headers('ingest'), payload: observation({ evidence: [other] }) });
    expect((await api.app.inject({ method: 'GET', url: url.replace(item.sha256, other.sha256) })).statusCode).toBe(401);
    const saved = api.clock.now;
    api.clock.now = new Date(saved.getTime() + 16 * 60_000);
    expect((await api.app.inject({ method: 'GET', url })).statusCode).toBe(401);
    api.clock.now = saved;
    // With a key instead of a signature.
    expect((await api.app.inject({ method: 'GET', url: `/v1/evidence/${item.sha256}`, headers: api.headers('reviewer') })).statusCode).toBe(200);
    // Objects that are no case's evidence are not served, even with a key.
    const loose = await api.objects.put(Buffer.from('not evidence'), 'image/jpeg');
    expect((await api.app.inject({ method: 'GET', url: `/v1/evidence/${loose.key}`, headers: api.headers('admin') })).statusCode).toBe(404);
  });

  it('never serves evidence whose bytes no longer match the recorded hash', async () => {
    const { item, detail } = await caseWithPhoto();
    const file = path.join((api.objects.describe().replace(/^folder /, '')), item.key.slice(0, 2), item.key.slice(2, 4), item.key);
    const bytes = await readFile(file);
    bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0xff;
    await writeFile(file, bytes);
    const res = await api.app.inject({ method: 'GET', url: detail.evidence[0].url });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toMatchObject({ error: 'evidence_hash_mismatch' });
    const metrics = (await api.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/evidence_reads_total\{result="hash_mismatch"\} 1/);
  });
});

describe('evidence on S3 (s3rver)', () => {
  let s3: TestS3;
  let objects: ObjectStore;
  let api: TestApi;
  beforeAll(async () => {
    s3 = await startS3();
    objects = await openObjectStore({ kind: 's3', endpoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey, bucket: 'evidence' });
    api = await startTestApi({ kind: 'pglite' }, { objects });
  });
  afterAll(async () => {
    await api?.close();
    await s3?.stop();
  });

  it('stores content-addressed objects once, and the API serves and verifies them', async () => {
    const photo = await readFile(samplePath('darknet/eagle.jpg'));
    const a = await objects.put(photo, 'image/jpeg');
    const b = await objects.put(photo, 'image/jpeg');
    expect(a).toEqual(b);
    expect(await objects.has(a.key)).toBe(true);
    expect(await objects.get('0'.repeat(64))).toBeNull();
    await expect(objects.get('../etc/passwd')).rejects.toThrow(/sha256/);
    expect((await api.app.inject({ method: 'GET', url: '/readyz' })).json()).toMatchObject({ ok: true, checks: { objects: 'ok' } });

    const item = await storedEvidence(objects, 'frame', photo);
    const id = (await api.app.inject({ method: 'POST', url: '/v1/cases', headers: api.headers('ingest'), payload: observation({ evidence: [item] }) })).json().caseId;
    const detail = (await api.app.inject({ method: 'GET', url: `/v1/cases/${id}`, headers: api.headers('reviewer') })).json();
    const res = await api.app.inject({ method: 'GET', url: detail.evidence[0].url });
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload.equals(photo)).toBe(true);
  });

  it('reports the store not ready when S3 is unreachable', async () => {
    const down = await openObjectStore({ kind: 's3', endpoint: 'http://127.0.0.1:9', accessKey: 'x', secretKey: 'y', bucket: 'evidence' });
    await expect(down.ready()).rejects.toThrow();
  });
});
