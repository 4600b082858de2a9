// Prometheus metrics on the app's own registry (never prom-client's global one), so several API
// instances in one process (tests) keep separate counts.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { countByStatus, countOverdue } from './case/query.ts';
import type { Db } from './store/db.ts';

export interface ApiMetrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  ingested: Counter<'result' | 'type'>;
  moves: Counter<'move'>;
  evidenceServed: Counter<'result'>;
}

export function createMetrics(db: Db, now: () => Date): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const ingested = new Counter({
    name: 'cases_ingested_total',
    help: 'Observations posted to POST /v1/cases, by outcome (created, merged, reopened, duplicate)',
    labelNames: ['result', 'type'] as const,
    registers: [registry],
  });
  const moves = new Counter({ name: 'case_moves_total', help: 'Lifecycle moves and review decisions', labelNames: ['move'] as const, registers: [registry] });
  const evidenceServed = new Counter({
    name: 'evidence_reads_total',
    help: 'Evidence reads by outcome; "hash_mismatch" means an object no longer matches the hash recorded at capture',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'cases',
    help: 'Cases by status',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      const counts = await countByStatus(db).catch(() => ({}) as Record<string, number>);
      this.reset();
      for (const [status, n] of Object.entries(counts)) this.set({ status }, n);
    },
  });
  new Gauge({
    name: 'cases_overdue',
    help: 'Dispatched cases past their handling limit',
    registers: [registry],
    async collect() {
      this.set(await countOverdue(db, now()).catch(() => 0));
    },
  });
  return { registry, httpDuration, ingested, moves, evidenceServed };
}
