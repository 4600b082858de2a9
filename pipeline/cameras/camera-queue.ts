// The camera-streams queue (BullMQ): one long-running job per camera, its id the camera id. The
// job's lock is the lease: whoever holds it watches the camera, renews it while alive, and when a
// process dies its lock runs out and another worker takes the camera over. A camera is added once
// (same job id = same job), so it can never be queued, or watched, twice.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { parseCameraConfig, type CameraConfig } from '../../contracts/camera.ts';
import type { CameraSecretKey } from '../../infra/camera-secret-key.ts';
import { passwordForm, sealUrl } from '../../infra/camera-secrets.ts';
import { QUEUES } from '../../infra/queues.ts';

export const CAMERA_JOB = 'watch-camera';

/** The camera's job id (BullMQ refuses ids that are plain numbers, and camera ids may be). */
export function cameraJobId(cameraId: string): string {
  return `camera-${cameraId}`;
}

/** Redis key that asks whichever worker watches `cameraId` to let it go. */
export function stopKey(cameraId: string): string {
  return `bull:${QUEUES.cameraStreams}:stop:${cameraId}`;
}

/** A BullMQ-ready ioredis connection (blocking commands must not be retried per request). */
export function redisConnection(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null });
}

export interface CameraQueue {
  /** Starts watching a camera somewhere in the fleet (validated first; adding it twice does nothing). */
  addCamera(config: CameraConfig): Promise<void>;
  /** Stops watching a camera: a waiting job is removed, a running one is told to stop. */
  removeCamera(cameraId: string): Promise<void>;
  /** Cameras in the queue, whether some worker watches them now, and whether an earlier version queued their password in clear. */
  cameras(): Promise<Array<{ id: string; watched: boolean; passwordInClear: boolean }>>;
  close(): Promise<void>;
}

export interface CameraQueueOptions {
  /** Seals a password given in clear before it is queued; without it such a camera is refused. */
  secretKey?: CameraSecretKey;
}

export function openCameraQueue(redisUrl: string, options: CameraQueueOptions = {}): CameraQueue {
  const redis = redisConnection(redisUrl);
  const queue = new Queue<CameraConfig>(QUEUES.cameraStreams, { connection: redis });
  return {
    async addCamera(config) {
      const clean = queueable(parseCameraConfig(config, `camera ${config.id}`), options.secretKey);
      await redis.del(stopKey(clean.id));
      await queue.add(CAMERA_JOB, clean, {
        jobId: cameraJobId(clean.id),
        // A watch that crashes comes back after a pause, for ever: a camera is never given up on.
        attempts: Number.MAX_SAFE_INTEGER,
        backoff: { type: 'fixed', delay: 10_000 },
        removeOnComplete: true,
        removeOnFail: true,
      });
    },
    async removeCamera(cameraId) {
      await redis.set(stopKey(cameraId), '1', 'EX', 3600);
      const job = await queue.getJob(cameraJobId(cameraId));
      if (job && !(await job.isActive())) await job.remove().catch(() => undefined);
    },
    async cameras() {
      const active = await queue.getJobs(['active']);
      const waiting = await queue.getJobs(['waiting', 'delayed', 'prioritized']);
      const entry = (j: (typeof active)[number], watched: boolean) => ({ id: j.data.id, watched, passwordInClear: passwordForm(j.data.url) === 'clear' });
      return [...active.map((j) => entry(j, true)), ...waiting.map((j) => entry(j, false))];
    },
    async close() {
      await queue.close();
      redis.disconnect();
    },
  };
}

/**
 * Job data is kept in Redis (and its AOF) for as long as the camera is watched: a password goes
 * there sealed or as a secret name, never in clear.
 */
function queueable(camera: CameraConfig, key: CameraSecretKey | undefined): CameraConfig {
  const snapshotUrl = camera.analysis?.snapshotUrl;
  if (snapshotUrl !== undefined && passwordForm(snapshotUrl) === 'clear') {
    // A patrol camera's snapshot URL is sealed the same way (the worker opens it as it opens url).
    if (!key) throw new Error(`camera ${camera.id}: its analysis.snapshotUrl holds a password in clear; the camera-streams queue takes only sealed passwords (a camera secret key) or secret names ({CAMERA_…})`);
    camera = { ...camera, analysis: { ...camera.analysis, snapshotUrl: sealUrl(snapshotUrl, key, camera.id) } };
  }
  if (passwordForm(camera.url) !== 'clear') return camera;
  if (!key) {
    throw new Error(`camera ${camera.id}: its URL holds a password in clear; the camera-streams queue takes only sealed passwords (a camera secret key) or secret names ({CAMERA_…})`);
  }
  return { ...camera, url: sealUrl(camera.url, key, camera.id) };
}
