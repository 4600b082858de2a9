// The queue dashboard (bull-board) for admins: what is waiting, running, failed and why, for the
// camera-streams, survey-images and dispatch queues. bull-board's page makes its own requests and
// cannot send our Authorization header, so an admin signs in once (the key is checked like any API
// key) and gets a short-lived, HttpOnly session cookie valid only under /admin/queues. Sessions live
// in this API process: behind several API instances, pin the dashboard to one of them.
import { randomBytes } from 'node:crypto';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { Queue } from 'bullmq';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Redis } from 'ioredis';
import { QUEUES } from '../../infra/queues.ts';
import { ROLES } from './schemas.ts';

export const DASHBOARD_PATH = '/admin/queues';
const COOKIE = 'cg_queue_session';
const SESSION_SECONDS = 3600;

export interface QueueDashboardOptions {
  redisUrl?: string;
  /** BullMQ key prefix. (Not `prefix`: fastify reads that plugin option as a route prefix.) */
  queuePrefix?: string;
  now?: () => Date;
}

export async function queueDashboard(app: FastifyInstance, opts: QueueDashboardOptions): Promise<void> {
  const now = opts.now ?? (() => new Date());
  // keyId: the admin key the session was opened with; revoking it ends the session.
  const sessions = new Map<string, { name: string; keyId: string; expires: number }>();

  app.post(`${DASHBOARD_PATH}-session`, { config: { roles: ROLES.admin }, schema: { tags: ['admin'], summary: 'Sign in to the queue dashboard (sets a session cookie)' } }, async (request, reply) => {
    const token = randomBytes(32).toString('base64url');
    sessions.set(token, { name: request.actor!.name, keyId: request.actor!.keyId, expires: now().getTime() + SESSION_SECONDS * 1000 });
    // Secure whenever the browser reached us over TLS: directly, or through a proxy trusted to say so
    // (ApiConfig.trustProxy / TRUST_PROXY and X-Forwarded-Proto); a plain-http loopback still signs in.
    const secure = request.protocol === 'https' ? '; Secure' : '';
    reply.header('set-cookie', `${COOKIE}=${token}; Path=${DASHBOARD_PATH}; HttpOnly; SameSite=Strict; Max-Age=${SESSION_SECONDS}${secure}`);
    return { dashboard: `${DASHBOARD_PATH}/`, expiresInSeconds: SESSION_SECONDS };
  });

  app.get(`${DASHBOARD_PATH}-login`, { config: { roles: 'public' }, schema: { hide: true } }, async (_request, reply) => {
    reply.type('text/html; charset=utf-8');
    return LOGIN_PAGE;
  });

  if (!opts.redisUrl) {
    app.get(`${DASHBOARD_PATH}/*`, { config: { roles: ROLES.admin }, schema: { hide: true } }, async (_request, reply) =>
      reply.code(503).send({ error: 'no_queues', message: 'the queue dashboard needs REDIS_URL: this API runs without Redis' }),
    );
    return;
  }

  const connection = new Redis(opts.redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
  const queues = Object.values(QUEUES).map((name) => new Queue(name, { connection, ...(opts.queuePrefix ? { prefix: opts.queuePrefix } : {}) }));
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(DASHBOARD_PATH);
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q)), serverAdapter, options: { uiConfig: { boardTitle: '城管 queues' } } });
  app.addHook('onClose', async () => {
    await Promise.all(queues.map((q) => q.close()));
    connection.disconnect();
  });

  await app.register(async (board) => {
    // bull-board's routes declare no roles (the app treats the prefix as public), so this hook is
    // the only door: a valid, unexpired session from an admin sign-in.
    board.addHook('onRequest', async (request, reply) => {
      const token = cookie(request, COOKIE);
      const session = token ? sessions.get(token) : undefined;
      // The key is checked as often as API keys are (the key cache), and at once after a revocation here.
      if (!session || session.expires < now().getTime() || !(await app.keys.isActive(session.keyId))) {
        if (token) sessions.delete(token);
        const wantsPage = (request.headers.accept ?? '').includes('text/html');
        return wantsPage
          ? reply.redirect(`${DASHBOARD_PATH}-login`)
          : reply.code(401).send({ error: 'unauthorized', message: `sign in at ${DASHBOARD_PATH}-login with an admin key` });
      }
    });
    await board.register(serverAdapter.registerPlugin() as never, { prefix: DASHBOARD_PATH });
  });
}

function cookie(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

/** Exported for its CSP: the inline script is allowed by its hash (api/security-headers.ts). */
export const LOGIN_PAGE = `<!doctype html><meta charset="utf-8"><title>队列 Queue dashboard</title>
<style>body{font-family:sans-serif;max-width:28em;margin:4em auto}input,button{font-size:1em;padding:.4em;width:100%;margin:.3em 0}</style>
<h1>队列 Queues</h1><p>Admin key 管理员密钥:</p>
<form id="f"><input id="k" type="password" autocomplete="off" autofocus><button>Sign in 登录</button></form><p id="m"></p>
<script>
const go = async (key) => {
  const r = await fetch('${DASHBOARD_PATH}-session', { method: 'POST', headers: { authorization: 'Bearer ' + key } });
  if (r.ok) location.replace('${DASHBOARD_PATH}/');
  else document.getElementById('m').textContent = (await r.json()).message;
};
const fromUrl = new URLSearchParams(location.hash.slice(1)).get('key');
if (fromUrl) { history.replaceState(null, '', location.pathname); go(fromUrl); }
document.getElementById('f').onsubmit = (e) => { e.preventDefault(); go(document.getElementById('k').value); };
</script>`;
