// The admin queue dashboard (bull-board) on a real redis-server: only an admin session gets in.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUES } from '../../infra/queues.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { startRedis, type TestRedis } from '../support/redis-server.ts';

let redis: TestRedis;
let api: TestApi;
let connection: Redis;

beforeAll(async () => {
  redis = await startRedis();
  api = await startTestApi({ kind: 'pglite' }, { surveys: { redisUrl: redis.url, prefix: 'dash-test' } });
  connection = new Redis(redis.url, { maxRetriesPerRequest: null });
  const dispatch = new Queue(QUEUES.dispatch, { connection, prefix: 'dash-test' });
  await dispatch.add('observation', { n: 1 }, { jobId: 'obs-1' });
  await dispatch.add('observation', { n: 2 }, { jobId: 'obs-2' });
  await dispatch.close();
});
afterAll(async () => {
  connection?.disconnect();
  await api?.close();
  await redis?.stop();
});

async function signIn(role: 'admin' | 'reviewer') {
  return api.app.inject({ method: 'POST', url: '/admin/queues-session', headers: api.headers(role) });
}

describe('queue dashboard', () => {
  it('lets an admin in with a session cookie and shows the three queues with their jobs', async () => {
    const login = await signIn('admin');
    expect(login.statusCode).toBe(200);
    const setCookie = String(login.headers['set-cookie']);
    expect(setCookie).toMatch(/^cg_queue_session=[\w-]{40,}; Path=\/admin\/queues; HttpOnly; SameSite=Strict; Max-Age=3600$/);
    const cookie = setCookie.split(';')[0]!;
    const res = await api.app.inject({ method: 'GET', url: '/admin/queues/api/queues', headers: { cookie } });
    expect(res.statusCode).toBe(200);
    const queues = res.json().queues as Array<{ name: string; counts: Record<string, number> }>;
    expect(queues.map((q) => q.name).sort()).toEqual(Object.values(QUEUES).sort());
    expect(queues.find((q) => q.name === QUEUES.dispatch)!.counts.waiting).toBe(2);
    const page = await api.app.inject({ method: 'GET', url: '/admin/queues/', headers: { cookie, accept: 'text/html' } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<html');
  });

  it('refuses everyone else: no session 401, a page request goes to the sign-in page, a reviewer 403', async () => {
    expect((await api.app.inject({ method: 'GET', url: '/admin/queues/api/queues' })).statusCode).toBe(401);
    const forged = await api.app.inject({ method: 'GET', url: '/admin/queues/api/queues', headers: { cookie: 'cg_queue_session=forged' } });
    expect(forged.statusCode).toBe(401);
    const page = await api.app.inject({ method: 'GET', url: '/admin/queues/', headers: { accept: 'text/html' } });
    expect([page.statusCode, page.headers.location]).toEqual([302, '/admin/queues-login']);
    expect((await signIn('reviewer')).statusCode).toBe(403);
    const login = await api.app.inject({ method: 'GET', url: '/admin/queues-login' });
    expect(login.body).toContain('Admin key');
  });

  it('says it needs Redis when the API runs without it', async () => {
    const bare = await startTestApi();
    try {
      const login = await bare.app.inject({ method: 'POST', url: '/admin/queues-session', headers: bare.headers('admin') });
      const res = await bare.app.inject({ method: 'GET', url: '/admin/queues/api/queues', headers: { ...bare.headers('admin'), cookie: String(login.headers['set-cookie']).split(';')[0]! } });
      expect(res.statusCode).toBe(503);
      expect(res.json().message).toMatch(/needs REDIS_URL/);
    } finally {
      await bare.close();
    }
  });
});
