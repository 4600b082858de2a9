// Watching one camera: stream → motion gate → frame analysis (detector → tracker → rules → sink,
// frame-analysis.ts). This is the whole per-camera pipeline of a watched stream; the worker
// (camera-worker.ts) decides which cameras a process watches, and the CLI (scripts/watch.ts) runs
// one directly.
import type { CameraConfig } from '../../contracts/camera.ts';
import type { ClassifierSource } from '../background/zone-state.ts';
import type { Detection } from '../../contracts/types.ts';
import { createLogger, type Logger } from '../../infra/logger.ts';
import type { CropEmbedder } from '../embed/sightings.ts';
import { openCameraStream, type CameraStreamOptions, type StreamFrame } from '../ingest/camera-stream.ts';
import type { StreamHealth } from '../ingest/stream-health.ts';
import { createMotionGate, type GateDecision } from '../motion/motion-gate.ts';
import type { CameraRuleSettings } from '../rules/camera-rules.ts';
import type { RuleEvent } from '../rules/rule-types.ts';
import type { TrackerOptions } from '../track/tracker.ts';
import type { TrackedObject } from '../track/tracked-object.ts';
import type { CameraMetrics } from './camera-metrics.ts';
import type { FrameDetector } from './detector-queue.ts';
import { modelFrameSize } from './model-frame-size.ts';
import { createFrameAnalysis } from './frame-analysis.ts';
import type { ViolationSink, WarningSink } from './violation-sink.ts';

export interface CameraHealth extends StreamHealth {
  framesDetected: number;
  framesSkipped: number;
  /** Seconds from frame delivery to the end of its analysis, for the last analysed frame. */
  analysisLagSeconds: number | null;
  warnings: number;
  violations: number;
}

export interface AnalysedFrame {
  stream: StreamFrame;
  decision: GateDecision;
  detections?: Detection[];
  tracks?: TrackedObject[];
  events: RuleEvent[];
  /** Wall-clock ms when the analysis finished. */
  doneAtMs: number;
}

export interface WatchCameraOptions {
  config: CameraConfig;
  detector: FrameDetector;
  sink: ViolationSink;
  onWarning?: WarningSink;
  /** Scene clock for live frames (tests run it faster than real time). */
  clock?: () => Date;
  signal?: AbortSignal;
  logger?: Logger;
  metrics?: CameraMetrics;
  /** Overrides of stream behaviour not in the camera config (backoff, replay pace, looping). */
  stream?: Partial<CameraStreamOptions>;
  tracker?: TrackerOptions;
  /**
   * Appearance embedder for identity over a dwell (pipeline/embed/). Absent: the manifest's, shared
   * by the process (cameraEmbedder); null: none, identity by position alone.
   */
  embedder?: CropEmbedder | null;
  /** Called after every frame, for benchmarks and tools. */
  onFrame?: (analysed: AnalysedFrame) => void;
  /**
   * Settings of the model-driven rules (暴露垃圾, 渣土车未覆盖), usually cameraRuleSettings() of
   * models/violation-labels.json; a function is asked on every pass, so a hot-reloaded mapping applies
   * at once. Absent: the rules' defaults.
   */
  ruleSettings?: CameraRuleSettings | (() => CameraRuleSettings);
  /** Zone-state classifiers of watch zones (frame-analysis.ts); default: the repo manifest's. */
  zoneClassifiers?: ClassifierSource;
}

export interface CameraWatch {
  health(): CameraHealth;
  /** Resolves when the watch ends: stopped, aborted, or a replay reached its end. */
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

export function watchCamera(options: WatchCameraOptions): CameraWatch {
  const { config, metrics } = options;
  const log = (options.logger ?? createLogger('camera')).child({ camera: config.id });
  const analysis = config.analysis ?? {};
  const stream = openCameraStream({
    cameraId: config.id,
    url: config.url,
    ...(analysis.fps !== undefined ? { fps: analysis.fps } : {}),
    ...(analysis.width !== undefined ? { width: analysis.width } : {}),
    ...(analysis.frameSize === 'model' ? { frameSize: modelFrameSize(options.detector, config.id) } : {}),
    ...(analysis.keyframesOnly !== undefined ? { keyframesOnly: analysis.keyframesOnly } : {}),
    ...(analysis.stallSeconds !== undefined ? { stallSeconds: analysis.stallSeconds } : {}),
    ...(analysis.rtspTransport !== undefined ? { rtspTransport: analysis.rtspTransport } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    logger: log,
    ...options.stream,
  });
  const gate = createMotionGate({ fullPassSeconds: analysis.fullPassSeconds ?? 10 });
  let lagSeconds: number | null = null;
  let warnings = 0;
  let violations = 0;
  const analyse = createFrameAnalysis({
    config,
    detector: options.detector,
    sink: options.sink,
    ...(options.onWarning ? { onWarning: options.onWarning } : {}),
    logger: log,
    ...(options.tracker ? { tracker: options.tracker } : {}),
    ...(options.embedder !== undefined ? { embedder: options.embedder } : {}),
    ...(options.ruleSettings ? { ruleSettings: options.ruleSettings } : {}),
    ...(options.zoneClassifiers ? { zoneClassifiers: options.zoneClassifiers } : {}),
    onEvent: (event) => {
      if (event.kind === 'warning') warnings++;
      else violations++;
      metrics?.events.inc({ camera: config.id, type: event.type, kind: event.kind });
    },
    onSinkFailure: () => metrics?.sinkFailures.inc({ camera: config.id }),
  });
  const syncMetrics = streamMetrics(config.id, stream, metrics);
  const metricsTimer = setInterval(syncMetrics, 5000);
  metricsTimer.unref?.();

  const onAbort = () => void stream.stop();
  options.signal?.addEventListener('abort', onAbort, { once: true });

  const handle = async (sf: StreamFrame) => {
    const decision = gate.decide(sf.frame);
    if (!decision.detect) {
      metrics?.framesSkipped.inc({ camera: config.id });
      options.onFrame?.({ stream: sf, decision, events: [], doneAtMs: Date.now() });
      return;
    }
    const { detections, tracks, events } = await analyse(sf.frame);
    metrics?.framesDetected.inc({ camera: config.id });
    const doneAtMs = Date.now();
    lagSeconds = (doneAtMs - sf.receivedAtMs) / 1000;
    metrics?.analysisLag.set({ camera: config.id }, lagSeconds);
    options.onFrame?.({ stream: sf, decision, detections, tracks, events, doneAtMs });
  };

  const done = (async () => {
    try {
      for await (const sf of stream) {
        if (options.signal?.aborted) break;
        try {
          await handle(sf);
        } catch (error) {
          // One bad frame (a detector error) must not end the watch.
          log.error({ err: (error as Error).message }, 'frame analysis failed');
        }
      }
    } finally {
      clearInterval(metricsTimer);
      syncMetrics();
      options.signal?.removeEventListener('abort', onAbort);
      await stream.stop();
    }
  })();

  return {
    health: () => ({
      ...stream.health(),
      framesDetected: gate.detected,
      framesSkipped: gate.skipped,
      analysisLagSeconds: lagSeconds,
      warnings,
      violations,
    }),
    done,
    stop: async () => {
      await stream.stop();
      await done;
    },
  };
}

/** The stream's health as Prometheus metrics: counters move by what changed since the last call. */
function streamMetrics(cameraId: string, stream: { health(): StreamHealth }, metrics: CameraMetrics | undefined): () => void {
  let reportedRestarts = 0;
  let reportedDropped = 0;
  return () => {
    if (!metrics) return;
    const h = stream.health();
    metrics.streamFps.set({ camera: cameraId }, h.fps);
    metrics.streamUp.set({ camera: cameraId }, h.state === 'streaming' ? 1 : 0);
    if (h.restarts > reportedRestarts) metrics.restarts.inc({ camera: cameraId }, h.restarts - reportedRestarts);
    if (h.dropped > reportedDropped) metrics.framesDropped.inc({ camera: cameraId }, h.dropped - reportedDropped);
    reportedRestarts = h.restarts;
    reportedDropped = h.dropped;
  };
}
