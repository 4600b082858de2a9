// A camera worker process: takes cameras from the camera-streams queue, up to `maxCameras`, and
// watches each until it is removed, its replay ends, or the process goes away.
//
// Failover: each camera job holds a BullMQ lock of `lockSeconds`, renewed every half of it while
// the process lives. A process killed outright stops renewing; the next stalled-job check of any
// other worker (every lockSeconds / 2) puts the camera back in the queue and a worker with a free
// slot takes it: with the default 15 s lock, within about 25 s.
//
// Never twice: the lock has one holder. If this process cannot renew a lock (Redis unreachable,
// the event loop blocked past the lock), it stops that camera at once, since another worker may
// already have it.
import { Worker, WaitingError, type Job } from 'bullmq';
import { parseCameraConfig, type CameraConfig } from '../../contracts/camera.ts';
import { createLogger, type Logger } from '../../infra/logger.ts';
import { QUEUES } from '../../infra/queues.ts';
import { createModelRegistry, type ModelRegistry } from '../../models/registry.ts';
import { cameraRuleSettings } from '../rules/camera-rules.ts';
import { modelsForStatus, startStatusPublisher, type StatusPublisher } from '../status/worker-status.ts';
import { CAMERA_MIN_SCORE } from './camera-detector.ts';
import { createCameraMetrics, type CameraMetrics } from './camera-metrics.ts';
import { redisConnection, stopKey } from './camera-queue.ts';
import { watchCamera, type CameraHealth, type CameraWatch, type WatchCameraOptions } from './camera-watch.ts';
import { queueDetector, type FrameDetector, type QueuedDetector } from './detector-queue.ts';
import { registryDetector } from './registry-detector.ts';
import type { ViolationSink, WarningSink } from './violation-sink.ts';

export interface CameraWorkerOptions {
  redisUrl: string;
  sink: ViolationSink;
  onWarning?: WarningSink;
  /**
   * Shared by all cameras of the process. Absent: the model registry's models (every enabled
   * detector and classifier, hot-reloaded), from `registry` or one the worker opens itself.
   */
  detector?: FrameDetector;
  /** The models (and the label → violation mapping for the model-driven rules). */
  registry?: ModelRegistry;
  /** Publish this process's health to Redis for GET /v1/status every intervalMs (default on, 5000 ms). */
  status?: false | { intervalMs?: number; metricsUrl?: string };
  /** Cameras this process watches at most (default 8). */
  maxCameras?: number;
  /** Lease length (default 15 s): a dead process loses its cameras within about 1.7 times this. */
  lockSeconds?: number;
  logger?: Logger;
  metrics?: CameraMetrics;
  /** Passed to every camera watch (tests: a faster scene clock, short backoff). */
  watch?: Pick<WatchCameraOptions, 'clock' | 'stream' | 'tracker' | 'onFrame'>;
  /** Told when this process starts and stops watching a camera. */
  onCamera?: (event: { cameraId: string; watching: boolean }) => void;
}

export interface CameraWorker {
  /** Health of the cameras this process watches now. */
  health(): CameraHealth[];
  readonly metrics: CameraMetrics;
  readonly detector: QueuedDetector;
  /** Hands the cameras back to the queue (other workers take them at once) and stops. */
  close(): Promise<void>;
}

export async function startCameraWorker(options: CameraWorkerOptions): Promise<CameraWorker> {
  const log = options.logger ?? createLogger('camera-worker');
  const metrics = options.metrics ?? createCameraMetrics();
  // One thread per session and a low score floor: the cores are shared with every camera's ffmpeg,
  // and the tracker wants weak detections too (see camera-detector.ts).
  const ownRegistry = options.detector || options.registry
    ? undefined
    : await createModelRegistry({ detector: { threads: 1, thresholds: { default: CAMERA_MIN_SCORE } }, plateReader: false, logger: log });
  const registry = options.registry ?? ownRegistry;
  const detector = queueDetector(options.detector ?? registryDetector(registry!, metrics.inference));
  const ruleSettings = registry ? () => cameraRuleSettings(registry.current().mapping) : undefined;
  const lockMs = (options.lockSeconds ?? 15) * 1000;
  // By job id.
  const watches = new Map<string, { watch: CameraWatch; controller: AbortController; handBack: boolean }>();
  let closing = false;

  const processor = async (job: Job<CameraConfig>, token?: string, signal?: AbortSignal) => {
    const config = parseCameraConfig(job.data, `camera-streams job ${job.id}`);
    const jobId = job.id!;
    if (watches.has(jobId)) throw new Error(`camera ${config.id} is already watched by this process`);
    const controller = new AbortController();
    signal?.addEventListener('abort', () => controller.abort(), { once: true });
    const entry = {
      controller,
      handBack: false,
      watch: watchCamera({
        config,
        detector,
        sink: options.sink,
        ...(options.onWarning ? { onWarning: options.onWarning } : {}),
        signal: controller.signal,
        logger: log.child({ camera: config.id }),
        metrics,
        ...(ruleSettings ? { ruleSettings } : {}),
        ...options.watch,
      }),
    };
    watches.set(jobId, entry);
    options.onCamera?.({ cameraId: config.id, watching: true });
    log.info({ camera: config.id }, 'watching camera');

    const key = stopKey(config.id);
    const stopCheck = setInterval(() => {
      redis.get(key).then(
        (v) => {
          if (v !== null) {
            log.info({ camera: config.id }, 'camera removed; stopping');
            controller.abort();
          }
        },
        () => undefined,
      );
    }, 2000);
    try {
      await entry.watch.done;
    } finally {
      clearInterval(stopCheck);
      watches.delete(jobId);
      options.onCamera?.({ cameraId: config.id, watching: false });
      log.info({ camera: config.id }, 'stopped watching camera');
    }
    if (entry.handBack && token) {
      // Back to the queue, not "completed": the camera must go on being watched elsewhere.
      await job.moveToWait(token);
      throw new WaitingError();
    }
    await redis.del(key);
    return { endedAt: new Date().toISOString() };
  };

  const redis = redisConnection(options.redisUrl);
  const worker = new Worker<CameraConfig>(QUEUES.cameraStreams, processor, {
    connection: redis,
    concurrency: options.maxCameras ?? 8,
    lockDuration: lockMs,
    stalledInterval: Math.max(1000, lockMs / 2),
    // Every crash of a watching process "stalls" its cameras; that must never fail them.
    maxStalledCount: Number.MAX_SAFE_INTEGER,
    drainDelay: 2,
    autorun: false,
  });
  worker.on('lockRenewalFailed', (jobIds: string[]) => {
    for (const id of jobIds) {
      const entry = watches.get(id);
      if (entry) {
        log.error({ camera: id }, 'lost the camera lease; stopping so it is not watched twice');
        entry.controller.abort();
      }
    }
  });
  worker.on('error', (error) => log.error({ err: error.message }, 'camera worker error'));
  void worker.run();
  await worker.waitUntilReady();

  const health = () => [...watches.values()].map((w) => w.watch.health());
  let status: StatusPublisher | undefined;
  if (options.status !== false) {
    const st = options.status ?? {};
    status = startStatusPublisher({
      redis,
      kind: 'camera',
      intervalMs: st.intervalMs,
      snapshot: () => ({
        cameras: health(),
        ...(registry ? { models: modelsForStatus(registry.status()) } : {}),
        ...(st.metricsUrl ? { metricsUrl: st.metricsUrl } : {}),
      }),
    });
  }

  return {
    health,
    metrics,
    detector,
    async close() {
      if (closing) return;
      closing = true;
      for (const entry of watches.values()) {
        entry.handBack = true;
        entry.controller.abort();
      }
      await worker.close();
      await status?.close();
      redis.disconnect();
      await ownRegistry?.close();
    },
  };
}
