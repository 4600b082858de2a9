// Cameras as configured in the API (cameras CRUD) → the camera-streams queue the camera workers
// take them from. The API is where operators keep cameras; the queue is what gives each camera one
// watching worker at a time and moves it to another when a worker dies. This loop joins the two,
// so workers never need the API to keep watching (an API restart stops nothing) and operators
// never touch Redis:
// - a camera in the API and not in the queue is added;
// - a camera whose configuration changed is stopped and added again once its worker let it go;
// - a camera no longer in the API is removed (its worker stops watching it).
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { parseCameraConfig, type CameraConfig } from '../../contracts/camera.ts';
import type { Logger } from '../../infra/logger.ts';
import { QUEUES } from '../../infra/queues.ts';
import { cameraJobId, openCameraQueue, redisConnection } from './camera-queue.ts';

/** A camera as GET /v1/cameras answers the ingest role: `url` masked, `sealedUrl` with the password sealed. */
export type CameraAnswer = CameraConfig & { sealedUrl?: string };

/**
 * The camera as the pipeline keeps it: the URL with its password sealed (or named), which workers
 * resolve just before opening the stream (resolveCameraUrl). Answers only ever show it masked.
 */
export function cameraFromAnswer({ sealedUrl, ...camera }: CameraAnswer): CameraConfig {
  return { ...camera, url: sealedUrl ?? camera.url };
}

export interface CameraSyncOptions {
  api: { url: string; key: string };
  redisUrl: string;
  /** Default 10 s. */
  intervalMs?: number;
  logger?: Logger;
  /** Told about each change made. */
  onChange?: (change: { camera: string; action: 'added' | 'replaced' | 'removed' }) => void;
}

export interface CameraSync {
  /** One pass now (also what the timer runs). */
  sync(): Promise<void>;
  close(): Promise<void>;
}

export function startCameraSync(options: CameraSyncOptions): CameraSync {
  const queue = openCameraQueue(options.redisUrl);
  const redis = redisConnection(options.redisUrl);
  const jobs = new Queue<CameraConfig>(QUEUES.cameraStreams, { connection: redis });
  const replacing = new Set<string>();
  // Jobs an earlier version queued with a password in clear: replaced like any changed camera, and
  // once none is left Redis rewrites its AOF, so the clear text leaves the disk too.
  let clearInQueue = false;
  let running: Promise<void> | undefined;

  const once = async () => {
    const res = await fetch(`${options.api.url}/v1/cameras`, { headers: { authorization: `Bearer ${options.api.key}` } });
    if (!res.ok) throw new Error(`GET /v1/cameras: ${res.status}`);
    const items = ((await res.json()) as { items: CameraAnswer[] }).items;
    const wanted = items.map((c) => parseCameraConfig(cameraFromAnswer(c), `API camera ${c.id}`));
    const queuedList = await queue.cameras();
    clearInQueue ||= queuedList.some((c) => c.passwordInClear);
    const queued = new Map(queuedList.map((c) => [c.id, c]));
    for (const camera of wanted) {
      const job = await jobs.getJob(cameraJobId(camera.id));
      if (!job) {
        await queue.addCamera(camera);
        options.onChange?.({ camera: camera.id, action: replacing.delete(camera.id) ? 'replaced' : 'added' });
        continue;
      }
      if (JSON.stringify(job.data) === JSON.stringify(camera)) continue;
      if (await job.isActive()) {
        // Ask its worker to stop; the next pass adds the new configuration once the job is gone.
        if (!replacing.has(camera.id)) {
          replacing.add(camera.id);
          await queue.removeCamera(camera.id);
        }
      } else {
        await job.remove().catch(() => undefined);
        await queue.addCamera(camera);
        options.onChange?.({ camera: camera.id, action: 'replaced' });
      }
    }
    const ids = new Set(wanted.map((c) => c.id));
    for (const id of queued.keys()) {
      if (!ids.has(id)) {
        await queue.removeCamera(id);
        options.onChange?.({ camera: id, action: 'removed' });
      }
    }
    if (clearInQueue && !(await queue.cameras()).some((c) => c.passwordInClear) && (await rewriteAof(redis))) {
      clearInQueue = false;
      options.logger?.info('camera passwords queued in clear by an earlier version are replaced; Redis AOF rewritten');
    }
  };
  const sync = () => {
    running ??= once().finally(() => {
      running = undefined;
    });
    return running;
  };
  const timer = setInterval(() => {
    sync().catch((err: Error) => options.logger?.warn({ err: err.message }, 'camera sync failed; will retry'));
  }, options.intervalMs ?? 10_000);
  timer.unref?.();
  return {
    sync,
    async close() {
      clearInterval(timer);
      await running?.catch(() => undefined);
      await jobs.close();
      await queue.close();
      redis.disconnect();
    },
  };
}

/** Starts an AOF rewrite when Redis keeps one; false when it must be asked again (one already runs). */
async function rewriteAof(redis: Redis): Promise<boolean> {
  if (!/^aof_enabled:1/m.test(await redis.info('persistence'))) return true;
  return redis.bgrewriteaof().then(
    () => true,
    () => false,
  );
}
