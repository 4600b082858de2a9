// A survey worker process:
//   npm run survey:worker -- --api http://127.0.0.1:8080 --key <ingest key> [--redis redis://127.0.0.1:6379]
//     [--manifest models/manifest.json] [--dispatch] [--aerial-models id,id] [--labels '{"car":0.4}']
//
// Takes images from the survey-images queue, analyses them, puts violations on the dispatch queue
// (--dispatch also delivers that queue to the API from this process: one box, one worker) and
// reports each image's result to the API. Evidence and uploads are read from the object store the
// API uses (OBJECTS_DIR, default data/objects, or S3_* variables). Logs go to stderr as JSON lines.
import path from 'node:path';
import { REPO_ROOT } from '../api/config.ts';
import { createLogger } from '../infra/logger.ts';
import { openObjectStore, objectStoreSettingsFromEnv } from '../infra/object-store.ts';
import { createModelRegistry } from '../models/registry.ts';
import { workerManifestPath } from '../models/versions/live-manifest.ts';
import { createCaseReporter } from '../pipeline/cases/reporter.ts';
import { startDispatchWorker } from '../pipeline/dispatch/worker.ts';
import { parseAllowList } from '../pipeline/survey/label-allow-list.ts';
import { startSurveyWorker } from '../pipeline/survey/worker.ts';
import { parseCli, usageError } from './cli/args.ts';

const cli = {
  command: 'npm run survey:worker',
  usage: `usage: npm run survey:worker -- --api http://127.0.0.1:8080 --key <ingest key> [--redis redis://127.0.0.1:6379]
         [--manifest models/manifest.json] [--dispatch] [--aerial-models id,id] [--labels '{"car":0.4}'] [--prefix P] [--lock-ms N]`,
};
const { values } = parseCli({
  ...cli,
  options: {
    redis: { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    api: { type: 'string', default: process.env.API_URL ?? 'http://127.0.0.1:8080' },
    key: { type: 'string', default: process.env.INGEST_KEY },
    manifest: { type: 'string', default: process.env.MODELS_MANIFEST },
    dispatch: { type: 'boolean', default: false },
    'aerial-models': { type: 'string', default: process.env.SURVEY_AERIAL_MODELS ?? '' },
    labels: { type: 'string', default: process.env.SURVEY_LABELS },
    prefix: { type: 'string', default: process.env.QUEUE_PREFIX },
    'lock-ms': { type: 'string', default: process.env.SURVEY_LOCK_MS },
  },
});
const log = createLogger('survey-worker', { pid: process.pid });
if (!values.key) usageError(cli, 'an API key with the ingest role is needed (--key or INGEST_KEY; data/keys/ingest.key on an embedded install)');
const api = { url: values.api!, key: values.key };
const objects = await openObjectStore(objectStoreSettingsFromEnv(process.env, path.join(path.resolve(process.env.DATA_DIR ?? path.join(REPO_ROOT, 'data')), 'objects')));
await objects.ready();
// Promoted versions (an aerial detector) reach it through the live manifest the API writes in DATA_DIR/models.
const manifestPath = values.manifest ?? workerManifestPath(path.join(path.resolve(process.env.DATA_DIR ?? path.join(REPO_ROOT, 'data')), 'models'));
const registry = await createModelRegistry({ manifestPath, aerialDetectors: true, plateReader: false, logger: log });
const reporter = createCaseReporter({ redisUrl: values.redis!, objects, prefix: values.prefix, logger: log, modelSha256: (id) => registry.current().manifest.models.find((m) => m.id === id)?.sha256, classifiers: () => registry.current().classifiers });
const lockMs = values['lock-ms'] ? Number(values['lock-ms']) : undefined;
const worker = startSurveyWorker({
  redisUrl: values.redis!,
  prefix: values.prefix,
  api,
  objects,
  registry,
  cases: reporter.deps,
  aerialModels: values['aerial-models']!.split(',').map((s) => s.trim()).filter(Boolean),
  ...(values.labels ? { allow: parseAllowList(values.labels, '--labels / SURVEY_LABELS') } : {}),
  ...(lockMs ? { lockDurationMs: lockMs, stalledIntervalMs: Math.max(500, Math.round(lockMs / 2)) } : {}),
  logger: log,
});
const dispatch = values.dispatch ? startDispatchWorker({ redisUrl: values.redis!, api, prefix: values.prefix, logger: log }) : undefined;
log.info({ api: api.url, objects: objects.describe(), dispatch: Boolean(dispatch), models: registry.status().models.map((m) => m.id) }, 'survey worker ready');
process.stdout.write(`${JSON.stringify({ event: 'ready', pid: process.pid })}\n`);

let closing = false;
const shutdown = async () => {
  if (closing) return;
  closing = true;
  log.info('shutting down; an image being analysed goes back to the queue');
  await worker.close();
  await dispatch?.close();
  await reporter.close();
  await registry.close();
  process.exit(0);
};
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());
