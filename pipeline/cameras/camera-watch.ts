// Watching one camera: stream → motion gate → detector → tracker → rules → sink. This is the
// whole per-camera pipeline; the worker (camera-worker.ts) decides which cameras a process
// watches, and the CLI (scripts/watch.ts) runs one directly.
import type { CameraConfig } from '../../contracts/camera.ts';
import type { Detection, Frame, Violation } from '../../contracts/types.ts';
import { createLogger, type Logger } from '../../infra/logger.ts';
import { withAppearance, type CropEmbedder } from '../embed/sightings.ts';
import { openCameraStream, type CameraStreamOptions, type StreamFrame } from '../ingest/camera-stream.ts';
import type { StreamHealth } from '../ingest/stream-health.ts';
import { createMotionGate, type GateDecision } from '../motion/motion-gate.ts';
import { evaluateCameraRules, ruleSettingLabels, type CameraRuleSettings, type CameraRulesState } from '../rules/camera-rules.ts';
import { ILLEGAL_PARKING_DEFAULTS } from '../rules/illegal-parking.ts';
import type { RuleEvent } from '../rules/rule-types.ts';
import { STREET_VENDING_DEFAULTS, VENDOR_LABELS } from '../rules/street-vending.ts';
import { bottomCentre, boxInZone } from '../rules/zones.ts';
import { reportedLocation } from '../survey/georeference.ts';
import { createTracker, type TrackerOptions } from '../track/tracker.ts';
import type { Sighting } from '../track/appearance.ts';
import type { TrackedObject } from '../track/tracked-object.ts';
import { cameraEmbedder } from './camera-detector.ts';
import type { CameraMetrics } from './camera-metrics.ts';
import type { FrameDetector } from './detector-queue.ts';
import { createFirstSeenFrames } from './first-seen-frames.ts';
import { violationOf, warningOf } from './rule-event-reports.ts';
import { fitGroundPlane, type GroundPlane } from './ground-plane.ts';
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
}

export interface CameraWatch {
  health(): CameraHealth;
  /** Resolves when the watch ends: stopped, aborted, or a replay reached its end. */
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

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
  const firstFrames = createFirstSeenFrames();
  const identity = identityStage(config, options.embedder, log);
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

  const announce = async (event: RuleEvent) => {
    warnings++;
    log.info({ type: event.type, zone: event.zoneId, trackId: event.trackId }, 'warning');
    try {
      await options.onWarning?.(warningOf(event, config.id));
    } catch (error) {
      log.warn({ err: (error as Error).message }, 'warning sink failed');
    }
  };

  const report = async (event: RuleEvent, tracks: readonly TrackedObject[], frame: Frame) => {
    violations++;
    const violation = violationOf(event, {
      cameraId: config.id,
      track: tracks.find((t) => t.id === event.trackId),
      frame,
      firstFrame: firstFrames.get(event.trackId),
      detectorId: detector.model.id,
      place: locate(event.box, frame),
      zone: config.zones.find((z) => z.id === event.zoneId),
    });
    log.info({ type: event.type, zone: event.zoneId, trackId: event.trackId, reason: violation.attributes?.reason }, 'violation');
    await deliver(violation);
  };

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
    const tracks = tracker.update(await identity(frame, detections), now);
    const evaluated = evaluateCameraRules(ruleState, { now, tracks, camera: config, frameSize: frame }, ruleSettings);
    ruleState = evaluated.state;
    firstFrames.update(frame, tracks);
    for (const event of evaluated.events) {
      metrics?.events.inc({ camera: config.id, type: event.type, kind: event.kind });
      if (event.kind === 'warning') await announce(event);
      else await report(event, tracks, frame);
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

/**
 * The embedding stage of one camera: the detections of the labels a dwell is counted for, standing
 * in a no-parking zone, get their look; others pass unchanged. Without an embedder (none declared, or it failed to open: logged
 * once) identity is by position alone.
 */
export function identityStage(config: CameraConfig, embedder: CropEmbedder | null | undefined, log: Logger): (frame: Frame, detections: Detection[]) => Promise<Sighting[]> {
  const labels = parkingLabels(config);
  const ready: Promise<CropEmbedder | undefined> =
    embedder === null
      ? Promise.resolve(undefined)
      : embedder
        ? Promise.resolve(embedder)
        : cameraEmbedder().then(
            (e) => {
              if (!e) log.warn('no embedder in the manifest: vehicles are told apart by position alone');
              return e;
            },
            (error: Error) => {
              log.error({ err: error.message }, 'embedder unusable: vehicles are told apart by position alone');
              return undefined;
            },
          );
  const parking = config.zones.filter((z) => z.kind === 'no_parking');
  return async (frame, detections) => {
    const e = await ready;
    return e ? withAppearance(frame, detections, e, labels, (box) => parking.some((z) => boxInZone(box, z, frame))) : detections;
  };
}

/** Labels the parking rule counts a dwell for on this camera (camera and zone settings). */
export function parkingLabels(config: CameraConfig): Set<string> {
  const out = new Set<string>(config.rules?.illegal_parking?.labels ?? ILLEGAL_PARKING_DEFAULTS.labels);
  for (const z of config.zones) z.rules?.illegal_parking?.labels?.forEach((l) => out.add(l));
  return out;
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
