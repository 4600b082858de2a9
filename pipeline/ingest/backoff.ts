// Restart delays for a dead or stalled stream: exponential, capped (~30 s), with jitter so that
// a hundred cameras behind one failed switch do not all reconnect in the same second.
export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
}

export const BACKOFF_DEFAULTS: Required<BackoffOptions> = { initialMs: 1000, maxMs: 30_000 };

/** Delay before restart number `attempt` (0 = first): between half and all of min(max, initial * 2^attempt). */
export function restartDelayMs(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const o = { ...BACKOFF_DEFAULTS, ...options };
  const ceiling = Math.min(o.maxMs, o.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
