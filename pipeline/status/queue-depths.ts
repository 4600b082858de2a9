// How much work waits in each BullMQ queue: for the status endpoint and for Prometheus.
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { Gauge, type Registry } from 'prom-client';
import { QUEUES } from '../../infra/queues.ts';

export type QueueDepths = Record<string, { waiting: number; active: number; delayed: number; failed: number; completed: number }>;

export async function queueDepths(connection: Redis, prefix?: string): Promise<QueueDepths> {
  const out: QueueDepths = {};
  for (const name of Object.values(QUEUES)) {
    const queue = new Queue(name, { connection, ...(prefix ? { prefix } : {}) });
    try {
      const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized');
      out[name] = { waiting: (c.waiting ?? 0) + (c.prioritized ?? 0), active: c.active ?? 0, delayed: c.delayed ?? 0, failed: c.failed ?? 0, completed: c.completed ?? 0 };
    } finally {
      // The connection is the caller's: close only the queue object.
      await queue.close().catch(() => undefined);
    }
  }
  return out;
}

/** A `queue_jobs{queue,state}` gauge filled on every scrape. */
export function queueDepthGauge(registry: Registry, connection: Redis, prefix?: string): Gauge<'queue' | 'state'> {
  return new Gauge({
    name: 'queue_jobs',
    help: 'Jobs in each BullMQ queue by state, at scrape time',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      const depths = await queueDepths(connection, prefix).catch(() => ({}) as QueueDepths);
      for (const [queue, counts] of Object.entries(depths)) {
        for (const [state, n] of Object.entries(counts)) this.set({ queue, state }, n);
      }
    },
  });
}
