// Prometheus metrics of patrol cameras (pipeline/patrol/), in the worker's own registry beside the
// camera metrics: passes, misses by cause, when each camera was last analysed and the interval achieved.
import { Counter, Gauge, type Registry } from 'prom-client';

export interface PatrolMetrics {
  passes: Counter<'camera' | 'method'>;
  misses: Counter<'camera' | 'method'>;
  lastPass: Gauge<'camera'>;
  interval: Gauge<'camera'>;
  passSeconds: Gauge<'camera'>;
}

export function createPatrolMetrics(registry: Registry): PatrolMetrics {
  const r = [registry];
  return {
    passes: new Counter({ name: 'patrol_passes_total', help: 'Patrol passes that analysed a frame', labelNames: ['camera', 'method'], registers: r }),
    misses: new Counter({ name: 'patrol_misses_total', help: 'Patrol passes that took no frame (see /v1/status for the reason)', labelNames: ['camera', 'method'], registers: r }),
    lastPass: new Gauge({ name: 'patrol_last_pass_timestamp_seconds', help: 'Capture time of the last analysed patrol frame (Unix seconds)', labelNames: ['camera'], registers: r }),
    interval: new Gauge({ name: 'patrol_interval_seconds', help: 'Wall seconds between the last two analysed patrol frames', labelNames: ['camera'], registers: r }),
    passSeconds: new Gauge({ name: 'patrol_pass_seconds', help: 'Wall seconds the last patrol pass took (grab and analysis)', labelNames: ['camera'], registers: r }),
  };
}

const byRegistry = new WeakMap<Registry, PatrolMetrics>();

/** The patrol metrics of `registry`, made on first use: a registry takes each metric name once. */
export function patrolMetricsIn(registry: Registry): PatrolMetrics {
  let m = byRegistry.get(registry);
  if (!m) byRegistry.set(registry, (m = createPatrolMetrics(registry)));
  return m;
}
