// Watching one camera: stream → motion gate → detector → tracker → rules → sink. This is the
// whole per-camera pipeline; the worker (camera-worker.ts) decides which cameras a process
// watches, and the CLI (scripts/watch.ts) runs one directly.
import type { CameraConfig } from '../../contracts/camera.ts';
import type { Detection, Frame, Violation } from '../../contracts/types.ts';
import { createLogger, type Logger } from '../../infra/logger.ts';
import { openCameraStream, type CameraStreamOptions, type StreamFrame } from '../ingest/camera-stream.ts';
import type { StreamHealth } from '../ingest/stream-health.ts';
import { createMotionGate, type GateDecision } from '../motion/motion-gate.ts';
import { evaluateCameraRules, ruleSettingLabels, type CameraRuleSettings, type CameraRulesState } from '../rules/camera-rules.ts';
import { ILLEGAL_PARKING_DEFAULTS } from '../rules/illegal-parking.ts';
import type { RuleEvent } from '../rules/rule-types.ts';
import { STREET_VENDING_DEFAULTS, VENDOR_LABELS } from '../rules/street-vending.ts';
import { bottomCentre } from '../rules/zones.ts';
import { reportedLocation } from '../survey/georeference.ts';
import { createTracker, type TrackerOptions } from '../track/tracker.ts';
import type { TrackedObject } from '../track/tracked-object.ts';
import type { CameraMetrics } from './camera-metrics.ts';
import type { FrameDetector } from './detector-queue.ts';
import { fitGroundPlane, type GroundPlane } from './ground-plane.ts';
import type { ViolationSink, ViolationWarning, WarningSink } from './violation-sink.ts';

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
  /** Called after every frame, for benchmarks and tools. */
  onFrame?: (analysed: AnalysedFrame) => void;
  /**
   * Settings of the model-driven rules (暴露垃圾, 渣土车未覆盖), usually cameraRuleSettings() of
   * models/violation-labels.json; a function is asked on every pass, so a hot-reloaded mapping applies
   * at once. Absent: the rules' defaults.
   */
  ruleSettings?: CameraRuleSettings | (() => CameraRuleSettings);
}

export interface CameraWatch {
  health(): CameraHealth;
  /** Resolves when the watch ends: stopped, aborted, or a replay reached its end. */
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

/** Distinct frames kept as first-seen evidence at most, per camera (each is a full RGB frame). */
const MAX_KEPT_FRAMES = 40;
const SINK_ATTEMPTS = 4;
/**
 * Accuracy of a sighting placed where the camera stands: what a street camera sees lies within some
 * tens of metres of it. Shown on the case; never enough to join drone cases on the map (dedupe.ts).
 */
export const CAMERA_POSITION_ACCURACY_M = 50;

export function watchCamera(options: WatchCameraOptions): CameraWatch {
  const { config, detector, sink, metrics } = options;
  const log = (options.logger ?? createLogger('camera')).child({ camera: config.id });
  const analysis = config.analysis ?? {};
  const stream = openCameraStream({
    cameraId: config.id,
    url: config.url,
    ...(analysis.fps !== undefined ? { fps: analysis.fps } : {}),
    ...(analysis.width !== undefined ? { width: analysis.width } : {}),
    ...(analysis.keyframesOnly !== undefined ? { keyframesOnly: analysis.keyframesOnly } : {}),
    ...(analysis.stallSeconds !== undefined ? { stallSeconds: analysis.stallSeconds } : {}),
    ...(analysis.rtspTransport !== undefined ? { rtspTransport: analysis.rtspTransport } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    logger: log,
    ...options.stream,
  });
  const gate = createMotionGate({ fullPassSeconds: analysis.fullPassSeconds ?? 10 });
  const tracker = createTracker(options.tracker);
  const settingsNow = (): CameraRuleSettings =>
    typeof options.ruleSettings === 'function' ? options.ruleSettings() : (options.ruleSettings ?? {});
  const baseLabels = labelsOfInterest(config);
  let ruleState: CameraRulesState = {};
  const firstFrames = new Map<number, Frame>();
  const keptFrameCount = () => new Set(firstFrames.values()).size;
  let lagSeconds: number | null = null;
  let warnings = 0;
  let violations = 0;
  let reportedRestarts = 0;
  let reportedDropped = 0;

  let ground: GroundPlane | undefined;
  try {
    ground = config.ground ? fitGroundPlane(config.ground.points) : undefined;
  } catch (error) {
    // parseCameraConfig refuses such marks; a config that skipped it still gets watched.
    log.warn({ err: (error as Error).message }, 'ground calibration unusable; sightings are placed at the camera');
  }
  let groundFitsFrames: boolean | undefined;
  const locate = (box: Violation['box'], frame: Frame): SightingPlace => {
    if (ground && config.ground) {
      // Marks outside the picture were read off frames of another size: their pixels mean other places.
      groundFitsFrames ??= config.ground.points.every(({ pixel: [x, y] }) => x <= frame.width && y <= frame.height);
      if (!groundFitsFrames) {
        log.warn({ width: frame.width, height: frame.height }, 'ground calibration marks lie outside the frames (another analysis.width?); sightings are placed at the camera');
        ground = undefined;
      }
    }
    return placeSighting(box, ground, config.location);
  };

  const onAbort = () => void stream.stop();
  options.signal?.addEventListener('abort', onAbort, { once: true });

  const deliver = async (violation: Violation) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await sink(violation);
        return;
      } catch (error) {
        if (attempt >= SINK_ATTEMPTS) {
          metrics?.sinkFailures.inc({ camera: config.id });
          log.error({ err: (error as Error).message, type: violation.type, trackId: violation.trackId }, 'violation sink failed; violation not delivered');
          return;
        }
        await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
      }
    }
  };

  const syncMetrics = () => {
    if (!metrics) return;
    const h = stream.health();
    metrics.streamFps.set({ camera: config.id }, h.fps);
    metrics.streamUp.set({ camera: config.id }, h.state === 'streaming' ? 1 : 0);
    if (h.restarts > reportedRestarts) metrics.restarts.inc({ camera: config.id }, h.restarts - reportedRestarts);
    if (h.dropped > reportedDropped) metrics.framesDropped.inc({ camera: config.id }, h.dropped - reportedDropped);
    reportedRestarts = h.restarts;
    reportedDropped = h.dropped;
  };
  const metricsTimer = setInterval(syncMetrics, 5000);
  metricsTimer.unref?.();

  const handle = async (sf: StreamFrame) => {
    const frame = sf.frame;
    const decision = gate.decide(frame);
    if (!decision.detect) {
      metrics?.framesSkipped.inc({ camera: config.id });
      options.onFrame?.({ stream: sf, decision, events: [], doneAtMs: Date.now() });
      return;
    }
    const result = await detector.detectFrame(frame);
    metrics?.framesDetected.inc({ camera: config.id });
    const ruleSettings = settingsNow();
    const extraLabels = ruleSettingLabels(ruleSettings);
    const detections = result.detections.filter((d) => baseLabels.has(d.label) || extraLabels.includes(d.label));
    const now = frame.capturedAt;
    const tracks = tracker.update(detections, now);
    const evaluated = evaluateCameraRules(ruleState, { now, tracks, camera: config, frameSize: frame }, ruleSettings);
    ruleState = evaluated.state;

    // First-seen evidence: for every tracked object, the frame on which it was first seen where
    // it stands now. Moving objects point at the current frame, so only parked things keep old
    // frames alive.
    const live = new Set(tracks.map((t) => t.id));
    for (const id of firstFrames.keys()) if (!live.has(id)) firstFrames.delete(id);
    for (const t of tracks) {
      const since = t.stillSince ?? t.stationarySince;
      if (!t.visible || !since) continue;
      const kept = firstFrames.get(t.id);
      if (kept && kept.capturedAt.getTime() === since.getTime()) continue;
      if (since.getTime() === now.getTime() && (kept || keptFrameCount() < MAX_KEPT_FRAMES)) firstFrames.set(t.id, frame);
      else if (kept) firstFrames.delete(t.id);
    }

    for (const event of evaluated.events) {
      metrics?.events.inc({ camera: config.id, type: event.type, kind: event.kind });
      if (event.kind === 'warning') {
        warnings++;
        const warning: ViolationWarning = {
          type: event.type,
          sourceId: config.id,
          zoneId: event.zoneId,
          trackId: event.trackId,
          label: event.label,
          startedAt: event.startedAt,
          observedAt: event.at,
          box: event.box,
          score: event.score,
        };
        log.info({ type: event.type, zone: event.zoneId, trackId: event.trackId }, 'warning');
        try {
          await options.onWarning?.(warning);
        } catch (error) {
          log.warn({ err: (error as Error).message }, 'warning sink failed');
        }
        continue;
      }
      violations++;
      const track = tracks.find((t) => t.id === event.trackId);
      const modelId = event.modelId ?? track?.modelId ?? detector.model.id;
      const modelSha256 = event.modelSha256 ?? track?.modelSha256;
      const attributes = {
        ...(event.attributes ?? {}),
        ...(event.relatedTrackIds?.length ? { relatedTrackIds: event.relatedTrackIds.join(',') } : {}),
      };
      const violation: Violation = {
        type: event.type,
        sourceId: config.id,
        observedAt: event.at,
        box: event.box,
        score: event.score,
        zoneId: event.zoneId,
        ...locate(event.box, frame),
        evidenceFrames: [firstFrames.get(event.trackId) ?? frame, frame],
        trackId: event.trackId,
        label: event.label,
        startedAt: event.startedAt,
        modelId,
        ...(modelSha256 ? { modelSha256 } : {}),
        ...(Object.keys(attributes).length ? { attributes } : {}),
      };
      log.info({ type: event.type, zone: event.zoneId, trackId: event.trackId }, 'violation');
      await deliver(violation);
    }
    const doneAtMs = Date.now();
    lagSeconds = (doneAtMs - sf.receivedAtMs) / 1000;
    metrics?.analysisLag.set({ camera: config.id }, lagSeconds);
    options.onFrame?.({ stream: sf, decision, detections, tracks, events: evaluated.events, doneAtMs });
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

/** Labels any enabled rule of this camera looks at; other detections are not tracked. */
export function labelsOfInterest(config: CameraConfig): Set<string> {
  const out = new Set<string>(VENDOR_LABELS);
  const add = (labels: string[] | undefined, fallback: string[]) => (labels ?? fallback).forEach((l) => out.add(l));
  add(config.rules?.illegal_parking?.labels, ILLEGAL_PARKING_DEFAULTS.labels);
  add(config.rules?.street_vending?.labels, STREET_VENDING_DEFAULTS.labels);
  for (const z of config.zones) {
    add(z.rules?.illegal_parking?.labels, []);
    add(z.rules?.street_vending?.labels, []);
  }
  return out;
}

export type SightingPlace = Pick<Violation, 'location' | 'placedOnGround'>;

/**
 * Where a camera sighting is on the map: with a ground calibration, where the box's bottom centre
 * (tyres, a stall's legs) meets the road; without one, or above the horizon or out of the marks'
 * reach, where the camera stands; nothing when the camera's position is not configured either.
 */
export function placeSighting(box: Violation['box'], ground: GroundPlane | undefined, camera: CameraConfig['location']): SightingPlace {
  const placed = ground?.groundOf(bottomCentre(box));
  if (placed) return { location: reportedLocation(placed), placedOnGround: true };
  return camera ? { location: { lat: camera.lat, lon: camera.lon, accuracyM: CAMERA_POSITION_ACCURACY_M } } : {};
}
