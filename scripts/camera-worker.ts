// A camera worker process: npm run cameras -- --redis redis://127.0.0.1:6379 [--max-cameras 8]
//   [--lock-seconds 15] [--metrics-port 9464]
//
// Takes cameras from the camera-streams queue (see pipeline/cameras/camera-queue.ts) and watches
// them. Until the case pipeline is plugged in as the sink, violations and warnings are printed as
// JSON lines on stdout, with the camera events ("watching", "released"); logs go to stderr. Run as
// many as the cameras need, on as many machines: a camera is watched by one of them at a time, and
// the cameras of a process that dies are taken over by the others.
import http from 'node:http';
import { parseArgs } from 'node:util';
import { createLogger } from '../infra/logger.ts';
import { redactText } from '../infra/redact.ts';
import { startCameraWorker } from '../pipeline/cameras/camera-worker.ts';

const { values } = parseArgs({
  options: {
    redis: { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    'max-cameras': { type: 'string', default: '8' },
    'lock-seconds': { type: 'string', default: '15' },
    'metrics-port': { type: 'string' },
  },
});
const out = (line: object) => process.stdout.write(`${JSON.stringify({ pid: process.pid, ...line })}\n`);
const log = createLogger('camera-worker', { pid: process.pid });

const worker = await startCameraWorker({
  redisUrl: values.redis!,
  maxCameras: Number(values['max-cameras']),
  lockSeconds: Number(values['lock-seconds']),
  logger: log,
  sink: async (v) => {
    const { evidenceFrames, ...rest } = v;
    out({ event: 'violation', ...rest, evidenceFrameTimes: evidenceFrames.map((f) => f.capturedAt) });
  },
  onWarning: (w) => void out({ event: 'warning', ...w }),
  onCamera: ({ cameraId, watching }) => void out({ event: watching ? 'watching' : 'released', camera: cameraId }),
});

let server: http.Server | undefined;
if (values['metrics-port']) {
  server = http
    .createServer((req, res) => {
      if (req.url === '/metrics') {
        worker.metrics.registry.metrics().then((text) => {
          res.setHeader('content-type', worker.metrics.registry.contentType);
          res.end(text);
        });
      } else if (req.url === '/health') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(worker.health()));
      } else {
        res.statusCode = 404;
        res.end();
      }
    })
    .listen(Number(values['metrics-port']), '127.0.0.1');
}

const shutdown = async () => {
  log.info('shutting down; handing cameras back to the queue');
  server?.close();
  await worker.close();
  process.exit(0);
};
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());
process.on('unhandledRejection', (error) => log.error({ err: redactText(String(error)) }, 'unhandled rejection'));
out({ event: 'ready' });
