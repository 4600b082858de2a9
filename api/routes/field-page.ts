// The field team's phone page at /field/ (api/web/field/): public files like the reviewer page, under
// the same Content-Security-Policy (own scripts, styles, API calls and evidence images only), plus
// blob: images: the previews of photos just taken, which never leave the phone as URLs.
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import path from 'node:path';
import { REVIEW_POLICY } from '../security-headers.ts';
import { WEB_DIR } from './reviewer-page.ts';

export const FIELD_DIR = path.join(WEB_DIR, 'field');
export const FIELD_POLICY = { ...REVIEW_POLICY, 'img-src': ["'self'", 'blob:'] };
const FILES = /^[a-z-]+\.(html|js|css|webmanifest)$/;

export async function fieldPage(app: FastifyInstance): Promise<void> {
  await app.register(fastifyStatic, { root: FIELD_DIR, serve: false });
  const route = { config: { roles: 'public' as const }, helmet: { contentSecurityPolicy: { useDefaults: false, directives: FIELD_POLICY } }, schema: { hide: true } };
  app.get('/field', route, async (_request, reply) => reply.redirect('/field/'));
  app.get('/field/', route, async (_request, reply) => reply.header('cache-control', 'no-cache').sendFile('index.html'));
  app.get<{ Params: { file: string } }>('/field/:file', route, async (request, reply) => {
    if (!FILES.test(request.params.file)) return reply.code(404).send({ error: 'not_found', message: `no file ${request.params.file}` });
    return reply.header('cache-control', 'no-cache').sendFile(request.params.file);
  });
}
