// A dispatch worker process: npm run dispatch:worker -- --api http://api:8080 --key <ingest key>
//   [--redis redis://127.0.0.1:6379] [--concurrency 4]
//
// Delivers the `dispatch` queue (case observations from camera and survey workers) to
// POST /v1/cases, retrying with backoff while the API is down. Run one or more; jobs are idempotent,
// so two workers never create two cases. Logs go to stderr as JSON lines.
import { createLogger } from '../infra/logger.ts';
import { startDispatchWorker } from '../pipeline/dispatch/worker.ts';
import { parseCli, usageError } from './cli/args.ts';

const cli = {
  command: 'npm run dispatch:worker',
  usage: 'usage: npm run dispatch:worker -- --api http://api:8080 --key <ingest key> [--redis redis://127.0.0.1:6379] [--concurrency 4] [--prefix P]',
};
const { values } = parseCli({
  ...cli,
  options: {
    redis: { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    api: { type: 'string', default: process.env.API_URL ?? 'http://127.0.0.1:8080' },
    key: { type: 'string', default: process.env.INGEST_KEY },
    concurrency: { type: 'string', default: process.env.DISPATCH_CONCURRENCY ?? '4' },
    prefix: { type: 'string', default: process.env.QUEUE_PREFIX },
  },
});
if (!values.key) usageError(cli, 'an API key with the ingest role is needed (--key or INGEST_KEY)');
const concurrency = Number(values.concurrency);
if (!(Number.isInteger(concurrency) && concurrency > 0)) usageError(cli, `--concurrency must be a positive integer, got "${values.concurrency}"`);
const log = createLogger('dispatch-worker', { pid: process.pid });
const worker = startDispatchWorker({
  redisUrl: values.redis!,
  api: { url: values.api!, key: values.key },
  concurrency,
  ...(values.prefix ? { prefix: values.prefix } : {}),
  logger: log,
});
log.info({ api: values.api, concurrency }, 'dispatch worker started');

const stop = async (signal: string) => {
  log.info({ signal }, 'stopping: finishing the deliveries in hand');
  await worker.close();
  process.exit(0);
};
process.once('SIGINT', () => void stop('SIGINT'));
process.once('SIGTERM', () => void stop('SIGTERM'));
