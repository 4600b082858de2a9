// Issue 12: the queue-dashboard session outlived its admin key. Sessions remember the key they were
// opened with; revoking it ends them, checked as often as API keys are (the key cache).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey, revokeKey } from '../../api/auth/keys.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { startRedis, type TestRedis } from '../support/redis-server.ts';

let redis: TestRedis;
let api: TestApi;
const KEY_CACHE_MS = 200;

beforeAll(async () => {
  redis = await startRedis();
  api = await startTestApi({ kind: 'pglite' }, { surveys: { redisUrl: redis.url, prefix: 'dash-revoke' }, keyCacheMs: KEY_CACHE_MS });
});
afterAll(async () => {
  await api?.close();
  await redis?.stop();
});

async function openSession(key: string): Promise<string> {
  const login = await api.app.inject({ method: 'POST', url: '/admin/queues-session', headers: { authorization: `Bearer ${key}` } });
  expect(login.statusCode).toBe(200);
  return String(login.headers['set-cookie']).split(';')[0]!;
}
const board = (cookie: string) => api.app.inject({ method: 'GET', url: '/admin/queues/api/queues', headers: { cookie } });

describe('queue dashboard sessions and key revocation', () => {
  it('ends the session at the next request once its admin key is revoked through the API', async () => {
    const admin = await createKey(api.app.db, 'admin', 'dashboard admin');
    const cookie = await openSession(admin.key);
    expect((await board(cookie)).statusCode).toBe(200);
    const revoke = await api.app.inject({ method: 'DELETE', url: `/v1/keys/${admin.id}`, headers: api.headers('admin') });
    expect(revoke.statusCode).toBe(204);
    const after = await board(cookie);
    expect(after.statusCode).toBe(401);
    expect(after.json().message).toMatch(/sign in/);
    // The session is gone, not just refused once.
    expect((await board(cookie)).statusCode).toBe(401);
    const page = await api.app.inject({ method: 'GET', url: '/admin/queues/', headers: { cookie, accept: 'text/html' } });
    expect([page.statusCode, page.headers.location]).toEqual([302, '/admin/queues-login']);
  });

  it('ends it as soon as the key itself stops working when another API instance revoked it', async () => {
    const admin = await createKey(api.app.db, 'admin', 'revoked elsewhere');
    const cookie = await openSession(admin.key);
    expect((await board(cookie)).statusCode).toBe(200);
    // Another instance's revocation: this one only learns it when its key cache runs out.
    await revokeKey(api.app.db, admin.id, new Date());
    await new Promise((r) => setTimeout(r, KEY_CACHE_MS + 50));
    const apiCall = await api.app.inject({ method: 'GET', url: '/v1/keys', headers: { authorization: `Bearer ${admin.key}` } });
    expect(apiCall.statusCode).toBe(401);
    expect((await board(cookie)).statusCode).toBe(401);
  });

  it('keeps the sessions of keys that are still active', async () => {
    const cookie = await openSession(api.keys.admin);
    const other = await createKey(api.app.db, 'admin', 'another admin');
    expect((await api.app.inject({ method: 'DELETE', url: `/v1/keys/${other.id}`, headers: api.headers('admin') })).statusCode).toBe(204);
    expect((await board(cookie)).statusCode).toBe(200);
  });
});
