// A camera worker process:
//   npm run cameras -- [--redis redis://127.0.0.1:6379] [--api http://127.0.0.1:8080 --key <ingest key>]
//     [--max-cameras 8] [--lock-seconds 15] [--detector-batch 1] [--metrics-port 9464 --metrics-host 127.0.0.1]
//
// Takes cameras from the camera-streams queue and watches them; violations become case observations
// on the dispatch queue (evidence in the object store the API uses: OBJECTS_DIR or S3_*), which a
// dispatch worker delivers to the API. With --api/--key it also keeps the queue in step with the
// cameras configured in the API (adding a camera is idempotent, so every worker may do it). Run as
// many as the cameras need, on as many machines: a camera is watched by one worker at a time, and
// the cameras of a worker that dies are taken over by the others. Logs go to stderr as JSON lines;
// stdout carries one JSON event per line (ready, watching, released, warning, violation) for
// operators' scripts.
import path from 'node:path';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { REPO_ROOT } from '../api/config.ts';
import { createLogger } from '../infra/logger.ts';
import { objectStoreSettingsFromEnv, openObjectStore } from '../infra/object-store.ts';
import { redactText } from '../infra/redact.ts';
import { createModelRegistry } from '../models/registry.ts';
import { workerManifestPath } from '../models/versions/live-manifest.ts';
import { CAMERA_MIN_SCORE } from '../pipeline/cameras/camera-detector.ts';
import { startCameraSync, type CameraSync } from '../pipeline/cameras/camera-sync.ts';
import { startCameraWorker } from '../pipeline/cameras/camera-worker.ts';
import { createCaseReporter } from '../pipeline/cases/reporter.ts';
import { startMetricsServer, type MetricsServer } from '../pipeline/status/metrics-server.ts';
import { queueDepthGauge } from '../pipeline/status/queue-depths.ts';
import { parseCli, usageError } from './cli/args.ts';

const cli = {
  command: 'npm run cameras',
  usage: `usage: npm run cameras -- [--redis redis://127.0.0.1:6379] [--api http://127.0.0.1:8080 --key <ingest key>]
         [--max-cameras 8] [--lock-seconds 15] [--detector-batch 1] [--metrics-port 9464 --metrics-host 127.0.0.1]`,
};
const { values } = parseCli({
  ...cli,
  options: {
    redis: { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    api: { type: 'string', default: process.env.API_URL },
    key: { type: 'string', default: process.env.INGEST_KEY || undefined },
    'max-cameras': { type: 'string', default: '8' },
    'lock-seconds': { type: 'string', default: '15' },
    // Frames of several cameras per detector call. 1 by default: on the 2-core CPUs measured a batch
    // costs more CPU per frame than single runs (README, "Frames of several cameras in one batch").
    'detector-batch': { type: 'string', default: '1' },
    'metrics-port': { type: 'string', default: process.env.METRICS_PORT },
    'metrics-host': { type: 'string', default: process.env.METRICS_HOST ?? '127.0.0.1' },
  },
});
const log = createLogger('camera-worker', { pid: process.pid });
const out = (line: object) => process.stdout.write(`${JSON.stringify({ pid: process.pid, ...line })}\n`);
for (const name of ['max-cameras', 'lock-seconds'] as const) {
  if (!(Number(values[name]) > 0)) usageError(cli, `--${name} must be a positive number, got "${values[name]}"`);
}
const detectorBatch = Number(values['detector-batch']);
if (!(Number.isInteger(detectorBatch) && detectorBatch >= 1)) usageError(cli, `--detector-batch must be a whole number of frames, at least 1, got "${values['detector-batch']}"`);
if (values.api && !values.key) usageError(cli, '--api needs an API key with the ingest role (--key or INGEST_KEY)');

const objects = await openObjectStore(objectStoreSettingsFromEnv(process.env, path.join(path.resolve(process.env.DATA_DIR ?? path.join(REPO_ROOT, 'data')), 'objects')));
await objects.ready();
// One thread per session: a worker watches several cameras, and they share the cores.
// The manifest the API keeps with the promoted model versions (DATA_DIR/models), when there is one.
const manifestPath = process.env.MODELS_MANIFEST ?? workerManifestPath(path.join(path.resolve(process.env.DATA_DIR ?? path.join(REPO_ROOT, 'data')), 'models'));
const models = await createModelRegistry({ manifestPath, detector: { threads: 1, thresholds: { default: CAMERA_MIN_SCORE } }, logger: log });
const reporter = createCaseReporter({
  redisUrl: values.redis!,
  objects,
  logger: log,
  modelSha256: (id) => models.current().manifest.models.find((m) => m.id === id)?.sha256,
  plateReader: () => models.current().plateReader,
  classifiers: () => models.current().classifiers,
});
const metricsPort = values['metrics-port'] ? Number(values['metrics-port']) : undefined;
const worker = await startCameraWorker({
  redisUrl: values.redis!,
  sink: async (v) => {
    const { evidenceFrames, ...rest } = v;
    out({ event: 'violation', ...rest, evidenceFrameTimes: evidenceFrames.map((f) => f.capturedAt) });
    await reporter.sink(v);
  },
  onWarning: (w) => void out({ event: 'warning', ...w }),
  registry: models,
  maxCameras: Number(values['max-cameras']),
  lockSeconds: Number(values['lock-seconds']),
  detectorMaxBatch: detectorBatch,
  logger: log,
  status: { intervalMs: 5000, ...(metricsPort ? { metricsUrl: `http://${values['metrics-host']}:${metricsPort}/metrics` } : {}) },
  onCamera: ({ cameraId, watching }) => void out({ event: watching ? 'watching' : 'released', camera: cameraId }),
});

let sync: CameraSync | undefined;
if (values.api && values.key) {
  sync = startCameraSync({ api: { url: values.api, key: values.key }, redisUrl: values.redis!, logger: log });
}

let metrics: MetricsServer | undefined;
let queueConnection: Redis | undefined;
if (metricsPort) {
  queueConnection = new Redis(values.redis!, { maxRetriesPerRequest: null });
  const queueMetrics = new Registry();
  queueDepthGauge(queueMetrics, queueConnection);
  metrics = await startMetricsServer([worker.metrics.registry, queueMetrics], metricsPort, values['metrics-host']);
}

const shutdown = async () => {
  log.info('shutting down; handing cameras back to the queue');
  await sync?.close();
  await worker.close();
  await reporter.close();
  await metrics?.close();
  queueConnection?.disconnect();
  await models.close();
  process.exit(0);
};
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());
process.on('unhandledRejection', (error) => log.error({ err: redactText(String(error)) }, 'unhandled rejection'));
log.info({ redis: values.redis, api: values.api ?? null, metrics: metrics?.url ?? null }, 'camera worker ready');
out({ event: 'ready' });
