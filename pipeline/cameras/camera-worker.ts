// A camera worker process: takes cameras from the camera-streams queue, up to `maxCameras`, and
// watches each until it is removed, its replay ends, or the process goes away.
//
// Failover: each camera job holds a BullMQ lock of `lockSeconds`, renewed every half of it while
// the process lives. A process killed outright stops renewing; the next stalled-job check of any
// other worker (every lockSeconds / 2) puts the camera back in the queue and a worker with a free
// slot takes it: with the default 15 s lock, within about 25 s.
//
// Secrets: the job carries the camera URL with its password sealed or named ({CAMERA_…}); the URL
// ffmpeg gets is resolved here, in memory, from this process's key and secrets. A camera whose
// secret is missing keeps its job, shows "missing secret CAMERA_…" as its error in GET /v1/status,
// and looks again every secretRetryMs (a secrets file may gain it), without failing or spinning.
//
// Never twice: the lock has one holder. If this process cannot renew a lock (Redis unreachable,
// the event loop blocked past the lock), it stops that camera at once, since another worker may
// already have it.
import { Worker, WaitingError, type Job } from 'bullmq';
import { parseCameraConfig, type CameraConfig } from '../../contracts/camera.ts';
import { resolveCameraUrl, type ResolvedUrl } from '../../infra/camera-secrets.ts';
import { createLogger, type Logger } from '../../infra/logger.ts';
import { redactUrl } from '../../infra/redact.ts';
import { QUEUES } from '../../infra/queues.ts';
import { createModelRegistry, type ModelRegistry } from '../../models/registry.ts';
import { cameraRuleSettings } from '../rules/camera-rules.ts';
import { modelsForStatus, startStatusPublisher, type StatusPublisher } from '../status/worker-status.ts';
import { CAMERA_MIN_SCORE } from './camera-detector.ts';
import { createCameraMetrics, type CameraMetrics } from './camera-metrics.ts';
import { redisConnection, stopKey } from './camera-queue.ts';
import { cameraSecretsFromEnv, type CameraSecrets } from './camera-secret-source.ts';
import { watchCamera, type CameraHealth, type CameraWatch, type WatchCameraOptions } from './camera-watch.ts';
import { patrolCamera } from '../patrol/patrol-camera.ts';
import { patrolMetricsIn } from '../status/patrol-metrics.ts';
import { queueDetector, type FrameDetector, type QueuedDetector } from './detector-queue.ts';
import { registryDetector } from './registry-detector.ts';
import { registryZoneClassifiers } from '../background/zone-classifiers.ts';
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
  /**
   * Frames of several cameras per detector call at most, up to the model's input.maxBatch. Default 1
   * (one at a time): on the 2-core CPUs measured, a batch costs more CPU per frame than single runs.
   */
  detectorMaxBatch?: number;
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
  /** Key and secret names for camera URLs (default: this process's environment, see camera-secret-source.ts). */
  secrets?: CameraSecrets;
  /** How often a camera waiting for a missing secret looks again (default 10 s). */
  secretRetryMs?: number;
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
  const detector = queueDetector(options.detector ?? registryDetector(registry!, metrics.inference), {
    batchSize: metrics.detectorBatch,
    maxBatch: options.detectorMaxBatch ?? 1,
  });
  const ruleSettings = registry ? () => cameraRuleSettings(registry.current().mapping) : undefined;
  // Watch zones naming `zoneState` follow the versions promoted into the registry's manifest.
  const zoneClassifiers = registry ? registryZoneClassifiers(registry) : undefined;
  const lockMs = (options.lockSeconds ?? 15) * 1000;
  const secrets = options.secrets ?? (await cameraSecretsFromEnv());
  const secretRetryMs = options.secretRetryMs ?? 10_000;
  // By job id. `waiting`: the health shown while the camera waits for a secret.
  const watches = new Map<string, { watch?: CameraWatch; waiting?: CameraHealth; controller: AbortController; handBack: boolean }>();
  let closing = false;

  const resolveUrl = (config: CameraConfig): ResolvedUrl => {
    try {
      return resolveCameraUrl(config.url, config.id, secrets.key, secrets.source.lookup());
    } catch (error) {
      // An unusable secrets file is this camera's error too, named by file and line.
      return { error: (error as Error).message };
    }
  };

  /** The URL to watch, once its secrets are there; undefined when the camera is stopped first. */
  const urlWhenResolvable = async (config: CameraConfig, entry: { waiting?: CameraHealth; controller: AbortController }): Promise<string | undefined> => {
    for (let reported: string | undefined; ; ) {
      const resolved = resolveUrl(config);
      if ('url' in resolved) {
        if (reported) log.info({ camera: config.id }, 'camera secret found');
        return resolved.url;
      }
      if (resolved.error !== reported) {
        reported = resolved.error;
        log.warn({ camera: config.id, err: resolved.error }, 'camera waits for its secret');
        entry.waiting = waitingHealth(config, resolved.error);
      }
      if (!(await pause(secretRetryMs, entry.controller.signal))) return undefined;
    }
  };

  const processor = async (job: Job<CameraConfig>, token?: string, signal?: AbortSignal) => {
    const config = parseCameraConfig(job.data, `camera-streams job ${job.id}`);
    const jobId = job.id!;
    if (watches.has(jobId)) throw new Error(`camera ${config.id} is already watched by this process`);
    const controller = new AbortController();
    signal?.addEventListener('abort', () => controller.abort(), { once: true });
    const entry: { watch?: CameraWatch; waiting?: CameraHealth; controller: AbortController; handBack: boolean } = { controller, handBack: false };
    watches.set(jobId, entry);
    // A job fetched while close() runs (BullMQ's fetch in flight hands it over after close() has
    // aborted the cameras it knew, often a camera just handed back) would be watched with nobody left
    // to stop it, and worker.close() would wait for it for ever: hand it straight back.
    if (closing) {
      entry.handBack = true;
      controller.abort();
    }

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
    let watching = false;
    try {
      const url = await urlWhenResolvable(config, entry);
      // A patrol camera's snapshot URL holds its password the same ways (sealed, secret names).
      const snapshotUrl = url === undefined || config.analysis?.snapshotUrl === undefined ? undefined : await urlWhenResolvable({ ...config, url: config.analysis.snapshotUrl }, entry);
      if (url !== undefined && !controller.signal.aborted && config.analysis?.mode === 'patrol') {
        entry.watch = patrolCamera({
          config: { ...config, url, analysis: { ...config.analysis, ...(snapshotUrl ? { snapshotUrl } : {}) } },
          detector,
          sink: options.sink,
          ...(options.onWarning ? { onWarning: options.onWarning } : {}),
          signal: controller.signal,
          logger: log.child({ camera: config.id }),
          metrics,
          patrolMetrics: patrolMetricsIn(metrics.registry),
          ...(ruleSettings ? { ruleSettings } : {}),
          ...(zoneClassifiers ? { zoneClassifiers } : {}),
          ...(options.watch?.clock ? { clock: options.watch.clock } : {}),
          ...(options.watch?.tracker ? { tracker: options.watch.tracker } : {}),
        });
      } else if (url !== undefined && !controller.signal.aborted) {
        entry.watch = watchCamera({
          config: { ...config, url },
          detector,
          sink: options.sink,
          ...(options.onWarning ? { onWarning: options.onWarning } : {}),
          signal: controller.signal,
          logger: log.child({ camera: config.id }),
          metrics,
          ...(ruleSettings ? { ruleSettings } : {}),
          ...(zoneClassifiers ? { zoneClassifiers } : {}),
          ...options.watch,
        });
      }
      if (entry.watch) {
        entry.waiting = undefined;
        watching = true;
        options.onCamera?.({ cameraId: config.id, watching: true });
        log.info({ camera: config.id, mode: config.analysis?.mode ?? 'continuous' }, 'watching camera');
        await entry.watch.done;
      }
    } finally {
      clearInterval(stopCheck);
      watches.delete(jobId);
      if (watching) {
        options.onCamera?.({ cameraId: config.id, watching: false });
        log.info({ camera: config.id }, 'stopped watching camera');
      }
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

  const health = () => [...watches.values()].flatMap((w) => (w.watch ? [w.watch.health()] : w.waiting ? [w.waiting] : []));
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

/** What status shows for a camera held back by a missing secret: failed, with the reason. */
function waitingHealth(config: CameraConfig, error: string): CameraHealth {
  return {
    cameraId: config.id,
    url: redactUrl(config.url),
    state: 'failed',
    since: new Date().toISOString(),
    lastFrameAt: null,
    fps: 0,
    restarts: 0,
    lastError: error,
    frames: 0,
    dropped: 0,
    framesDetected: 0,
    framesSkipped: 0,
    analysisLagSeconds: null,
    warnings: 0,
    violations: 0,
  };
}

/** true after `ms`, false as soon as `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
