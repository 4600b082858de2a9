// The reviewer page: plain HTML, JS and CSS from api/web, no build step. The page itself is
// public; everything it shows comes from the API with the key the reviewer enters.
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const WEB_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../web');

export async function reviewerPage(app: FastifyInstance): Promise<void> {
  await app.register(fastifyStatic, { root: WEB_DIR, prefix: '/review/', index: ['index.html'], cacheControl: false, setHeaders: (reply) => reply.header('cache-control', 'no-cache') });
  app.get('/', { config: { roles: 'public' }, schema: { hide: true } }, async (_request, reply) => reply.redirect('/review/'));
  // Browsers ask for it on every page; an empty answer keeps 404s out of the logs and consoles. Also
  // from sandboxed evidence tabs, whose origin is opaque: hence cross-origin.
  app.get('/favicon.ico', { config: { roles: 'public' }, schema: { hide: true } }, async (_request, reply) =>
    reply.code(204).header('cross-origin-resource-policy', 'cross-origin').send(),
  );
  app.get('/review', { config: { roles: 'public' }, schema: { hide: true } }, async (_request, reply) => reply.redirect('/review/'));
}
