// Patrolling one camera (视频轮巡): every analysis.everySeconds, grab one frame the camera's chosen
// way and analyse it (frame-analysis.ts, as a watched stream's frames, without a motion gate:
// one frame is all there is); nothing runs in between. Passes keep a fixed schedule from a phase taken
// from the camera id, so many cameras of one worker spread over the interval instead of all
// grabbing at once. A pass that falls behind (a slow grab, a busy detector) is not made up: the
// next starts at once and the lateness shows in the stats. A grab that fails is a miss with its
// reason; the patrol goes on.
import { DEFAULT_PATROL_SECONDS, type CameraConfig } from '../../contracts/camera.ts';
import { createLogger, type Logger } from '../../infra/logger.ts';
import { redactText, redactUrl } from '../../infra/redact.ts';
import type { CameraHealth } from '../cameras/camera-watch.ts';
import type { CameraMetrics } from '../cameras/camera-metrics.ts';
import type { PatrolMetrics } from '../status/patrol-metrics.ts';
import { createGrabber } from './choose-grabber.ts';
import { GrabError, type FrameGrabber } from './frame-grabber.ts';
import { createPassStats, type PatrolPassStats } from './pass-stats.ts';
import { createFrameAnalysis, type FrameAnalysis, type FrameAnalysisOptions } from '../cameras/frame-analysis.ts';
import type { Frame } from '../../contracts/types.ts';
import type { StreamState } from '../ingest/stream-health.ts';

export interface PatrolCameraOptions extends Omit<FrameAnalysisOptions, 'logger' | 'onEvent' | 'onSinkFailure'> {
  /** Scene clock a frame is stamped with (tests run it faster than the wall clock). */
  clock?: () => Date;
  signal?: AbortSignal;
  logger?: Logger;
  metrics?: CameraMetrics;
  patrolMetrics?: PatrolMetrics;
  /** Default: the camera's grab method (choose-grabber.ts). */
  grabber?: FrameGrabber;
  /** Wall ms before the first pass (default: the camera's phase, a hash of its id within the interval). */
  phaseMs?: number;
  /** Called after every pass, analysed or missed. */
  onPass?: (pass: { frame?: Frame; result?: FrameAnalysis; miss?: string; startedMs: number; doneMs: number }) => void;
}

/** A patrol camera's health: a camera's, plus its patrol stats. */
export type PatrolHealth = CameraHealth & { patrol: PatrolPassStats };

export interface CameraPatrol {
  health(): PatrolHealth;
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

export function patrolCamera(options: PatrolCameraOptions): CameraPatrol {
  const { config, metrics, patrolMetrics } = options;
  const log = (options.logger ?? createLogger('patrol')).child({ camera: config.id });
  const everySeconds = config.analysis?.everySeconds ?? DEFAULT_PATROL_SECONDS;
  const everyMs = everySeconds * 1000;
  const clock = options.clock ?? (() => new Date());
  const grabber = options.grabber ?? createGrabber(config, { clock });
  const analyse = createFrameAnalysis({ ...options, logger: log, onSinkFailure: () => metrics?.sinkFailures.inc({ camera: config.id }) });
  const stats = createPassStats(grabber.method, everySeconds);
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const labels = { camera: config.id, method: grabber.method };
  let state: StreamState = 'connecting';
  let since = new Date().toISOString();
  let lastFrameAt: string | null = null;
  let lastError: string | null = null;
  let lagSeconds: number | null = null;
  let warnings = 0;
  let violations = 0;
  const setState = (next: StreamState) => {
    if (next !== state) [state, since] = [next, new Date().toISOString()];
  };

  const pass = async () => {
    const startedMs = Date.now();
    let frame: Frame | undefined;
    try {
      frame = await grabber.grab(controller.signal);
      const grabbedMs = Date.now();
      const result = await analyse(frame);
      const doneMs = Date.now();
      stats.passed(frame.capturedAt, startedMs, doneMs);
      warnings += result.events.filter((e) => e.kind === 'warning').length;
      violations += result.events.filter((e) => e.kind !== 'warning').length;
      [lastFrameAt, lagSeconds] = [frame.capturedAt.toISOString(), (doneMs - grabbedMs) / 1000];
      setState('streaming');
      metrics?.framesDetected.inc({ camera: config.id });
      metrics?.analysisLag.set({ camera: config.id }, lagSeconds);
      for (const e of result.events) metrics?.events.inc({ camera: config.id, type: e.type, kind: e.kind });
      patrolMetrics?.passes.inc(labels);
      patrolMetrics?.lastPass.set({ camera: config.id }, frame.capturedAt.getTime() / 1000);
      patrolMetrics?.passSeconds.set({ camera: config.id }, (doneMs - startedMs) / 1000);
      const interval = stats.snapshot().lastIntervalSeconds;
      if (interval !== null) patrolMetrics?.interval.set({ camera: config.id }, interval);
      options.onPass?.({ frame, result, startedMs, doneMs });
    } catch (error) {
      if (controller.signal.aborted) return;
      const reason = error instanceof GrabError ? error.reason : `analysis failed: ${redactText((error as Error).message)}`;
      const doneMs = Date.now();
      stats.missed(reason, doneMs);
      lastError = reason;
      setState('stalled');
      patrolMetrics?.misses.inc(labels);
      log.warn({ method: grabber.method, reason }, 'patrol pass missed');
      options.onPass?.({ ...(frame ? { frame } : {}), miss: reason, startedMs, doneMs });
    }
  };

  const done = (async () => {
    try {
      let due = Date.now() + (options.phaseMs ?? phaseOf(config.id, everyMs));
      while (!controller.signal.aborted) {
        if (!(await pauseUntil(due, controller.signal))) break;
        await pass();
        // Behind schedule: start again now rather than rush through the missed slots.
        due = Math.max(due + everyMs, Date.now());
      }
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      await grabber.close?.().catch((error: Error) => log.warn({ err: redactText(error.message) }, 'grabber did not close cleanly'));
      setState('stopped');
    }
  })();

  return {
    health: () => ({
      cameraId: config.id,
      url: redactUrl(config.analysis?.snapshotUrl && grabber.method === 'snapshot' ? config.analysis.snapshotUrl : config.url),
      state,
      since,
      lastFrameAt,
      fps: Math.round((1 / everySeconds) * 1000) / 1000,
      restarts: 0,
      lastError,
      frames: stats.snapshot().passes,
      dropped: 0,
      framesDetected: stats.snapshot().passes,
      framesSkipped: 0,
      analysisLagSeconds: lagSeconds,
      warnings,
      violations,
      patrol: stats.snapshot(),
    }),
    done,
    stop: async () => {
      controller.abort();
      await done;
    },
  };
}

/** Where in the interval a camera's passes fall: spread by its id, the same on every worker. */
export function phaseOf(cameraId: string, everyMs: number): number {
  let h = 2166136261;
  for (const c of cameraId) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return (h >>> 0) % Math.max(1, Math.round(everyMs));
}

/** true at `atMs`, false as soon as `signal` aborts. */
function pauseUntil(atMs: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, Math.max(0, atMs - Date.now()));
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
