// The analysis of one camera frame: detector → identity → tracker → rules and left-behind watch →
// warnings and violations to their sinks. One place for it, so a watched stream (camera-watch.ts, behind its
// motion gate) and a patrol (pipeline/patrol/, one frame per pass) judge a frame the same way; the
// frame's own capture time drives the dwell, so it counts across patrol passes as across a stream.
// The tracker and rule state live as long as the analysis, that is as long as the camera is held.
import type { CameraConfig } from '../../contracts/camera.ts';
import type { Detection, Frame, Violation } from '../../contracts/types.ts';
import type { Logger } from '../../infra/logger.ts';
import { leftBehindStage } from '../background/left-behind-stage.ts';
import type { ClassifierSource } from '../background/zone-state.ts';
import { withAppearance, type CropEmbedder } from '../embed/sightings.ts';
import { evaluateCameraRules, ruleSettingLabels, type CameraRuleSettings, type CameraRulesState } from '../rules/camera-rules.ts';
import { ILLEGAL_PARKING_DEFAULTS } from '../rules/illegal-parking.ts';
import type { RuleEvent } from '../rules/rule-types.ts';
import { STREET_VENDING_DEFAULTS, VENDOR_LABELS } from '../rules/street-vending.ts';
import { bottomCentre, boxInZone } from '../rules/zones.ts';
import { reportedLocation } from '../survey/georeference.ts';
import type { Sighting } from '../track/appearance.ts';
import { createTracker, type TrackerOptions } from '../track/tracker.ts';
import type { TrackedObject } from '../track/tracked-object.ts';
import { cameraEmbedder } from './camera-detector.ts';
import type { FrameDetector } from './detector-queue.ts';
import { createFirstSeenFrames } from './first-seen-frames.ts';
import { fitGroundPlane, type GroundPlane } from './ground-plane.ts';
import { violationOf, warningOf } from './rule-event-reports.ts';
import type { ViolationSink, WarningSink } from './violation-sink.ts';

export interface FrameAnalysisOptions {
  config: CameraConfig;
  detector: FrameDetector;
  sink: ViolationSink;
  onWarning?: WarningSink;
  logger: Logger;
  tracker?: TrackerOptions;
  /**
   * Appearance embedder for identity over a dwell (pipeline/embed/). Absent: the manifest's, shared
   * by the process (cameraEmbedder); null: none, identity by position alone.
   */
  embedder?: CropEmbedder | null;
  /**
   * Settings of the model-driven rules (暴露垃圾, 渣土车未覆盖), usually cameraRuleSettings() of
   * models/violation-labels.json; a function is asked on every frame, so a hot-reloaded mapping
   * applies at once. Absent: the rules' defaults.
   */
  ruleSettings?: CameraRuleSettings | (() => CameraRuleSettings);
  /**
   * Zone-state classifiers of watch zones, by id or attribute (`zoneState`): a camera worker's model
   * registry (registryZoneClassifiers: promotions reach running cameras). Default: the repo manifest's, shared by the process.
   */
  zoneClassifiers?: ClassifierSource;
  /** Told every rule event (metrics). */
  onEvent?: (event: RuleEvent) => void;
  /** Told when a violation could not be delivered after every retry (metrics). */
  onSinkFailure?: () => void;
}

export interface FrameAnalysis {
  detections: Detection[];
  tracks: TrackedObject[];
  events: RuleEvent[];
}

const SINK_ATTEMPTS = 4;
/**
 * Accuracy of a sighting placed where the camera stands: what a street camera sees lies within some
 * tens of metres of it. Shown on the case; never enough to join drone cases on the map (dedupe.ts).
 */
export const CAMERA_POSITION_ACCURACY_M = 50;

export function createFrameAnalysis(o: FrameAnalysisOptions): (frame: Frame) => Promise<FrameAnalysis> {
  const { config, detector, logger: log } = o;
  const tracker = createTracker(o.tracker);
  const identity = identityStage(config, o.embedder, log);
  const firstFrames = createFirstSeenFrames();
  const baseLabels = labelsOfInterest(config);
  const locate = sightingLocator(config, log);
  const leftBehind = leftBehindStage(config, log, o.zoneClassifiers);
  let ruleState: CameraRulesState = {};
  const settingsNow = (): CameraRuleSettings => (typeof o.ruleSettings === 'function' ? o.ruleSettings() : (o.ruleSettings ?? {}));

  const deliver = async (violation: Violation) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await o.sink(violation);
        return;
      } catch (error) {
        if (attempt >= SINK_ATTEMPTS) {
          o.onSinkFailure?.();
          log.error({ err: (error as Error).message, type: violation.type, trackId: violation.trackId }, 'violation sink failed; violation not delivered');
          return;
        }
        await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
      }
    }
  };

  const announce = async (event: RuleEvent) => {
    log.info({ type: event.type, zone: event.zoneId, trackId: event.trackId }, 'warning');
    try {
      await o.onWarning?.(warningOf(event, config.id));
    } catch (error) {
      log.warn({ err: (error as Error).message }, 'warning sink failed');
    }
  };

  // `before`: a left-behind thing's first evidence is the frame before it appeared, not a track's.
  const report = async (event: RuleEvent, tracks: readonly TrackedObject[], frame: Frame, before?: Frame) => {
    const violation = violationOf(event, {
      cameraId: config.id,
      track: tracks.find((t) => t.id === event.trackId),
      frame,
      firstFrame: before ?? firstFrames.get(event.trackId),
      detectorId: detector.model.id,
      place: locate(event.box, frame),
      zone: config.zones.find((z) => z.id === event.zoneId),
    });
    log.info({ type: event.type, zone: event.zoneId, trackId: event.trackId, reason: violation.attributes?.reason }, 'violation');
    await deliver(violation);
  };

  return async (frame) => {
    const settings = settingsNow();
    const extraLabels = ruleSettingLabels(settings);
    const result = await detector.detectFrame(frame);
    const detections = result.detections.filter((d) => baseLabels.has(d.label) || extraLabels.includes(d.label));
    const now = frame.capturedAt;
    const tracks = tracker.update(await identity(frame, detections), now);
    const evaluated = evaluateCameraRules(ruleState, { now, tracks, camera: config, frameSize: frame }, settings);
    ruleState = evaluated.state;
    firstFrames.update(frame, tracks);
    for (const event of evaluated.events) {
      o.onEvent?.(event);
      if (event.kind === 'warning') await announce(event);
      else await report(event, tracks, frame);
    }
    const leftOver = await leftBehind(frame, tracks);
    for (const { event, before } of leftOver) {
      o.onEvent?.(event);
      await report(event, tracks, frame, before);
    }
    return { detections, tracks, events: [...evaluated.events, ...leftOver.map((f) => f.event)] };
  };
}

/** Where this camera's sightings are on the map; the ground calibration is fitted once. */
function sightingLocator(config: CameraConfig, log: Logger): (box: Violation['box'], frame: Frame) => SightingPlace {
  let ground: GroundPlane | undefined;
  try {
    ground = config.ground ? fitGroundPlane(config.ground.points) : undefined;
  } catch (error) {
    // parseCameraConfig refuses such marks; a config that skipped it is still analysed.
    log.warn({ err: (error as Error).message }, 'ground calibration unusable; sightings are placed at the camera');
  }
  let groundFitsFrames: boolean | undefined;
  return (box, frame) => {
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
}

/**
 * The embedding stage of one camera: the detections of the labels a dwell is counted for, standing
 * in a no-parking zone, get their look; others pass unchanged. Without an embedder (none declared,
 * or it failed to open: logged once) identity is by position alone.
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
