// GET /v1/status: the system at a glance, for operators and the demo. Cameras (the health each
// watching worker last published: state, fps, lag, restarts, last error, URLs redacted), workers
// (which process holds which cameras, last heartbeat), queue depths, the models the workers run and
// the violation types nobody analyses. Workers publish into Redis with a TTL
// (pipeline/status/worker-status.ts); this route only reads, so it works with workers anywhere.
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { analysableTypes, describeAnalysis, type TypeAnalysis } from '../../models/analysable.ts';
import { loadManifest } from '../../models/manifest.ts';
import { loadViolationLabels } from '../../models/violation-labels.ts';
import { redactText } from '../../infra/redact.ts';
import { queueDepths } from '../../pipeline/status/queue-depths.ts';
import { readWorkerStatuses } from '../../pipeline/status/worker-status.ts';
import { listCameras } from '../camera/store.ts';

const ANY_ROLE = ['ingest', 'operator', 'reviewer'] as const;

export async function statusRoutes(app: FastifyInstance): Promise<void> {
  const redisUrl = app.apiConfig.surveys?.redisUrl ?? process.env.REDIS_URL;
  let redis: Redis | undefined;
  const connection = () => {
    redis ??= new Redis(redisUrl!, { maxRetriesPerRequest: 1, lazyConnect: false, enableOfflineQueue: true });
    redis.on('error', () => undefined);
    return redis;
  };
  app.addHook('onClose', async () => {
    redis?.disconnect();
  });

  app.get('/v1/status', { config: { roles: [...ANY_ROLE] }, schema: { tags: ['health'], summary: 'Cameras, workers, queues, models and types not analysed' } }, async (request) => {
    const configured = await listCameras(app.db);
    let workers: Awaited<ReturnType<typeof readWorkerStatuses>> = [];
    let queues: Awaited<ReturnType<typeof queueDepths>> | { error: string } = { error: 'no Redis configured (REDIS_URL)' };
    if (redisUrl) {
      try {
        workers = await readWorkerStatuses(connection());
        queues = await queueDepths(connection());
      } catch (err) {
        queues = { error: redactText((err as Error).message) };
        request.log.warn({ err: redactText((err as Error).message) }, 'status: Redis unreachable');
      }
    }
    const cameras = configured.map((c) => {
      const holder = workers.find((w) => w.cameras?.some((h) => h.cameraId === c.id));
      const health = holder?.cameras?.find((h) => h.cameraId === c.id);
      if (!holder || !health) return { id: c.id, name: c.name ?? c.id, state: 'not watched', worker: null };
      return {
        id: c.id,
        name: c.name ?? c.id,
        state: health.state,
        worker: holder.id,
        fps: health.fps,
        analysisLagSeconds: health.analysisLagSeconds,
        restarts: health.restarts,
        lastFrameAt: health.lastFrameAt,
        lastError: health.lastError ? redactText(health.lastError) : null,
        framesDetected: health.framesDetected,
        framesSkipped: health.framesSkipped,
        warnings: health.warnings,
        violations: health.violations,
      };
    });
    // Models: what the workers report they run (they load them); without a worker, what the
    // manifest on this machine declares.
    const withModels = workers.find((w) => w.models);
    let analysable: TypeAnalysis[];
    let models: unknown;
    if (withModels?.models) {
      analysable = withModels.models.analysable;
      models = workers.filter((w) => w.models).map((w) => ({ worker: w.id, generation: w.models!.generation, loadedAt: w.models!.loadedAt, models: w.models!.models, ...(w.models!.lastError ? { lastError: w.models!.lastError } : {}) }));
    } else {
      const manifest = await loadManifest();
      analysable = analysableTypes(manifest, await loadViolationLabels());
      models = [{ worker: null, declared: manifest.entries.map((e) => ({ id: e.id, kind: e.kind, version: e.version })) }];
    }
    return {
      at: app.clock().toISOString(),
      cameras,
      workers: workers.map((w) => ({
        id: w.id,
        kind: w.kind,
        host: w.host,
        pid: w.pid,
        startedAt: w.startedAt,
        heartbeatAt: w.heartbeatAt,
        cameras: (w.cameras ?? []).map((h) => h.cameraId),
        ...(w.metricsUrl ? { metricsUrl: w.metricsUrl } : {}),
      })),
      queues,
      models,
      types: analysable.map((a) => ({ type: a.type, analysed: a.analysed, detail: describeAnalysis(a) })),
      notAnalysed: analysable.filter((a) => !a.analysed).map((a) => a.type),
    };
  });
}
