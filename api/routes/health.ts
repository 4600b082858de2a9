// Liveness, readiness and Prometheus metrics. Public on purpose: orchestrators and scrapers call
// them without keys, and they reveal no case content (only counts).
import type { FastifyInstance } from 'fastify';

export async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get('/healthz', { config: { roles: 'public' }, schema: { tags: ['health'], summary: 'The process is up' } }, async () => ({ ok: true }));

  app.get('/readyz', { config: { roles: 'public' }, schema: { tags: ['health'], summary: 'The store and the object store answer' } }, async (request, reply) => {
    const checks: Record<string, string> = {};
    try {
      await app.db.query('SELECT 1');
      checks.store = 'ok';
    } catch (err) {
      checks.store = (err as Error).message;
    }
    try {
      await app.objects.ready();
      checks.objects = 'ok';
    } catch (err) {
      checks.objects = (err as Error).message;
    }
    const ok = Object.values(checks).every((v) => v === 'ok');
    if (!ok) request.log.warn({ checks }, 'not ready');
    return reply.code(ok ? 200 : 503).send({ ok, checks });
  });

  app.get('/metrics', { config: { roles: 'public' }, schema: { tags: ['health'], summary: 'Prometheus metrics', hide: false } }, async (_request, reply) => {
    const body = await app.metrics.registry.metrics();
    return reply.header('content-type', app.metrics.registry.contentType).send(body);
  });
}
