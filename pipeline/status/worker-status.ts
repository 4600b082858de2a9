// Worker heartbeats for the status endpoint (GET /v1/status): each worker process writes a JSON
// snapshot of itself into Redis every few seconds under a key that expires, and the API reads them.
// A worker that dies simply stops refreshing its key and drops out of the list; workers never
// write the case store.
import os from 'node:os';
import type { Redis } from 'ioredis';
import type { CameraHealth } from '../cameras/camera-watch.ts';
import type { RegistryStatus } from '../../models/registry.ts';
import { redactText } from '../../infra/redact.ts';

export const STATUS_KEY_PREFIX = 'status:worker:';

export interface WorkerStatus {
  /** host:pid:kind, unique per process. */
  id: string;
  kind: 'camera' | 'survey' | 'dispatch' | string;
  host: string;
  pid: number;
  startedAt: string;
  heartbeatAt: string;
  /** Camera workers: the cameras this process watches now, with their health (URLs redacted). */
  cameras?: CameraHealth[];
  /** The models this process runs (the registry's status). */
  models?: Pick<RegistryStatus, 'generation' | 'models' | 'analysable' | 'lastError'> & { loadedAt: string };
  /** Where this process serves Prometheus metrics, if it does. */
  metricsUrl?: string;
}

export interface StatusPublisher {
  readonly id: string;
  /** Writes one heartbeat now. */
  publish(): Promise<void>;
  /** Stops and removes this worker's key (a clean stop is not a death). */
  close(): Promise<void>;
}

export interface StatusPublisherOptions {
  redis: Redis;
  kind: WorkerStatus['kind'];
  /** What to report besides the identity (called on every heartbeat). */
  snapshot: () => Omit<WorkerStatus, 'id' | 'kind' | 'host' | 'pid' | 'startedAt' | 'heartbeatAt'>;
  /** Default 5000 ms; the key lives three intervals. */
  intervalMs?: number;
  prefix?: string;
}

export function startStatusPublisher(options: StatusPublisherOptions): StatusPublisher {
  const host = os.hostname();
  const id = `${host}:${process.pid}:${options.kind}`;
  const key = `${options.prefix ?? ''}${STATUS_KEY_PREFIX}${id}`;
  const interval = options.intervalMs ?? 5000;
  const startedAt = new Date().toISOString();
  const publish = async () => {
    const status: WorkerStatus = { id, kind: options.kind, host, pid: process.pid, startedAt, heartbeatAt: new Date().toISOString(), ...options.snapshot() };
    // Errors in health (ffmpeg messages) may quote a URL: the whole snapshot is redacted once more.
    await options.redis.set(key, redactText(JSON.stringify(status)), 'PX', interval * 3);
  };
  const timer = setInterval(() => void publish().catch(() => undefined), interval);
  timer.unref?.();
  void publish().catch(() => undefined);
  return {
    id,
    publish,
    async close() {
      clearInterval(timer);
      await options.redis.del(key).catch(() => undefined);
    },
  };
}

/** Every live worker's last heartbeat. */
export async function readWorkerStatuses(redis: Redis, prefix = ''): Promise<WorkerStatus[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}${STATUS_KEY_PREFIX}*`, 'COUNT', 200);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  if (keys.length === 0) return [];
  const values = await redis.mget(...keys);
  return values.flatMap((v) => {
    if (!v) return [];
    try {
      return [JSON.parse(v) as WorkerStatus];
    } catch {
      return [];
    }
  }).sort((a, b) => a.id.localeCompare(b.id));
}

/** The registry's status as it travels in a heartbeat. */
export function modelsForStatus(status: RegistryStatus): NonNullable<WorkerStatus['models']> {
  return {
    generation: status.generation,
    loadedAt: status.loadedAt.toISOString(),
    models: status.models,
    analysable: status.analysable,
    ...(status.lastError ? { lastError: status.lastError } : {}),
  };
}
