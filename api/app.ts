// buildApi(config) → a fastify instance with its own store, object store, metrics registry and
// key cache: nothing global, so a test can run several side by side and a process can restart one.
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { scrubbingLogOptions } from '../infra/log-scrub.ts';
import { openObjectStore, type ObjectStore } from '../infra/object-store.ts';
import { authPlugin } from './auth/plugin.ts';
import { createKey, hasAnyKey, KeyVerifier } from './auth/keys.ts';
import type { ApiConfig } from './config.ts';
import { installErrorHandler } from './errors.ts';
import { securityHeaders } from './security-headers.ts';
import { installInputGuard, storableDateTimeFormat } from './input-guard.ts';
import { UrlSigner } from './evidence/signed-url.ts';
import { createMetrics, type ApiMetrics } from './metrics.ts';
import { camerasRoutes } from './routes/cameras.ts';
import { caseTypesRoutes } from './routes/case-types.ts';
import { casesRoutes } from './routes/cases.ts';
import { docsPlugin } from './routes/docs.ts';
import { evidenceRoutes } from './routes/evidence.ts';
import { exportRoutes } from './routes/export.ts';
import { overviewRoutes } from './routes/overview.ts';
import { healthRoutes } from './routes/health.ts';
import { keysRoutes } from './routes/keys.ts';
import { lifecycleRoutes } from './routes/lifecycle.ts';
import { reviewRoutes } from './routes/review.ts';
import { sharedSchemas } from './routes/schemas.ts';
import { reviewerPage } from './routes/reviewer-page.ts';
import { statusRoutes } from './routes/status.ts';
import { surveyImagesRoutes } from './routes/survey-images.ts';
import { surveysRoutes } from './routes/surveys.ts';
import { correctionsRoutes } from './routes/corrections.ts';
import { zonesRoutes } from './routes/zones.ts';
import { boardRoutes } from './routes/board.ts';
import { fieldRoutes } from './routes/field.ts';
import { fieldPage } from './routes/field-page.ts';
import { undoRoutes } from './routes/undo.ts';
import { unitsRoutes } from './routes/units.ts';
import { verificationRoutes } from './routes/verification.ts';
import { verdictHoldRoutes } from './routes/verdict-hold.ts';
import { caseLabelsRoutes } from './routes/case-labels.ts';
import { openDb, type Db } from './store/db.ts';
import { migrate } from './store/migrate.ts';
import { modelsRoutes } from './routes/models.ts';
import { DASHBOARD_PATH, queueDashboard } from './routes/queue-dashboard.ts';

declare module 'fastify' {
  interface FastifyInstance {
    db: Db;
    objects: ObjectStore;
    metrics: ApiMetrics;
    signer: UrlSigner;
    keys: KeyVerifier;
    clock: () => Date;
    apiConfig: ApiConfig;
    /** Set once, on the first start of an empty store with bootstrapAdminKey: print it, it is not stored. */
    firstAdminKey?: string;
  }
}

function isObjectStore(x: ApiConfig['objects']): x is ObjectStore {
  return typeof (x as ObjectStore).put === 'function';
}

export async function buildApi(config: ApiConfig): Promise<FastifyInstance> {
  const clock = config.now ?? (() => new Date());
  const db = await openDb(config.db);
  let app: FastifyInstance | undefined;
  try {
    await migrate(db);
    const objects = isObjectStore(config.objects) ? config.objects : await openObjectStore(config.objects);
    const signer = await UrlSigner.fromStore(db, config.evidenceUrlTtlSeconds ?? 900);
    const keys = new KeyVerifier(db, config.keyCacheMs);
    let firstAdminKey: string | undefined;
    if (config.bootstrapAdminKey && !(await hasAnyKey(db))) firstAdminKey = (await createKey(db, 'admin', 'first admin')).key;

    const server: FastifyInstance = Fastify({
      logger: {
        level: config.logLevel ?? 'info',
        base: { component: 'api' },
        stream: config.logStream ?? pino.destination(2),
        redact: { paths: ['req.headers.authorization', 'req.headers["x-api-key"]'], censor: '[redacted]' },
        // No line carries a credential or a failed statement's parameters, whatever fails.
        formatters: scrubbingLogOptions.formatters,
        hooks: scrubbingLogOptions.hooks,
        serializers: {
          ...scrubbingLogOptions.serializers,
          // Signed evidence links carry their signature in the query: keep it out of logs.
          req: (req: { method: string; url: string; id: string }) => ({ method: req.method, url: req.url.replace(/([?&]sig=)[^&]+/, '$1[redacted]'), id: req.id }),
        },
      },
      bodyLimit: 1024 * 1024,
      // request.protocol says https behind a TLS-terminating proxy only when the proxy is trusted.
      trustProxy: config.trustProxy ?? false,
      // Typed as a plain object: fastify's types would make the instance an HTTPS one everywhere, but routes and
      // hooks see the same requests either way.
      ...(config.tls ? ({ https: config.tls } as object) : {}),
      ajv: { customOptions: { allErrors: false, coerceTypes: 'array', removeAdditional: false }, onCreate: storableDateTimeFormat },
    });
    app = server;
    server.decorate('db', db);
    server.decorate('objects', objects);
    server.decorate('signer', signer);
    server.decorate('keys', keys);
    server.decorate('clock', clock);
    server.decorate('apiConfig', config);
    server.decorate('metrics', createMetrics(db, clock));
    server.decorate('firstAdminKey', firstAdminKey);
    server.addHook('onClose', async () => {
      await db.close();
    });
    // First of all hooks, so refusals (401, 404, validation errors) carry the headers too.
    await server.register(securityHeaders);
    installErrorHandler(server);
    installInputGuard(server);
    for (const schema of sharedSchemas) server.addSchema(schema);

    server.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? 'unmatched';
      server.metrics.httpDuration.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    });

    await server.register(authPlugin, {
      verifier: keys,
      verifySignedUrl: (request) => {
        const params = request.params as { sha256?: string };
        const query = request.query as { exp?: unknown; sig?: unknown };
        if (!params.sha256 || !signer.verify(params.sha256, query.exp, query.sig, clock())) return null;
        return { keyId: 'signed-url', name: 'signed link', role: 'reviewer' };
      },
      publicPrefixes: ['/docs', '/review', DASHBOARD_PATH],
    });
    if (config.docs !== false) await server.register(docsPlugin);
    await server.register(healthRoutes);
    await server.register(casesRoutes);
    await server.register(reviewRoutes);
    await server.register(lifecycleRoutes);
    await server.register(evidenceRoutes);
    await server.register(camerasRoutes);
    await server.register(zonesRoutes);
    await server.register(caseTypesRoutes);
    await server.register(exportRoutes);
    await server.register(overviewRoutes);
    await server.register(keysRoutes);
    await server.register(surveysRoutes);
    await server.register(statusRoutes);
    await server.register(correctionsRoutes);
    await server.register(surveyImagesRoutes);
    await server.register(unitsRoutes);
    await server.register(boardRoutes);
    await server.register(fieldRoutes);
    await server.register(undoRoutes);
    await server.register(verificationRoutes);
    await server.register(modelsRoutes);
    await server.register(verdictHoldRoutes);
    await server.register(caseLabelsRoutes);
    await server.register(fieldPage);
    await server.register(reviewerPage);
    await server.register(queueDashboard, { redisUrl: config.surveys?.redisUrl, queuePrefix: config.surveys?.prefix, now: clock });
    await server.ready();
    return server;
  } catch (err) {
    if (app) await app.close().catch(() => {});
    else await db.close().catch(() => {});
    throw err;
  }
}
