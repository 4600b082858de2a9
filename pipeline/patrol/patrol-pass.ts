// The analysis of one patrol frame: detector → identity → tracker → rules → warnings and
// violations, with the same functions the continuous watcher (camera-watch.ts) calls per frame and
// the frame's own capture time, so a dwell counts across passes exactly as across a stream. There
// is no motion gate: every patrol frame gets the detector, since one frame is all there is.
import type { CameraConfig } from '../../contracts/camera.ts';
import type { Detection, Frame, Violation } from '../../contracts/types.ts';
import type { Logger } from '../../infra/logger.ts';
import type { CropEmbedder } from '../embed/sightings.ts';
import { identityStage, labelsOfInterest, placeSighting, type SightingPlace } from '../cameras/camera-watch.ts';
import type { FrameDetector } from '../cameras/detector-queue.ts';
import { createFirstSeenFrames } from '../cameras/first-seen-frames.ts';
import { fitGroundPlane, type GroundPlane } from '../cameras/ground-plane.ts';
import { violationOf, warningOf } from '../cameras/rule-event-reports.ts';
import type { ViolationSink, WarningSink } from '../cameras/violation-sink.ts';
import { evaluateCameraRules, ruleSettingLabels, type CameraRuleSettings, type CameraRulesState } from '../rules/camera-rules.ts';
import type { RuleEvent } from '../rules/rule-types.ts';
import { createTracker, type TrackerOptions } from '../track/tracker.ts';
import type { TrackedObject } from '../track/tracked-object.ts';

export interface PatrolPassOptions {
  config: CameraConfig;
  detector: FrameDetector;
  sink: ViolationSink;
  onWarning?: WarningSink;
  logger: Logger;
  tracker?: TrackerOptions;
  /** As in watchCamera: absent, the manifest's; null, identity by position alone. */
  embedder?: CropEmbedder | null;
  ruleSettings?: CameraRuleSettings | (() => CameraRuleSettings);
}

export interface PassResult {
  detections: Detection[];
  tracks: TrackedObject[];
  events: RuleEvent[];
}

/** The per-pass analysis of one camera; its tracker and rule state live as long as the patrol. */
export function createPassAnalysis(o: PatrolPassOptions): (frame: Frame) => Promise<PassResult> {
  const { config, detector, logger: log } = o;
  const tracker = createTracker(o.tracker);
  const identity = identityStage(config, o.embedder, log);
  const firstFrames = createFirstSeenFrames();
  const baseLabels = labelsOfInterest(config);
  const ground = groundOf(config, log);
  let ruleState: CameraRulesState = {};
  const settingsNow = (): CameraRuleSettings => (typeof o.ruleSettings === 'function' ? o.ruleSettings() : (o.ruleSettings ?? {}));

  const place = (box: Violation['box'], frame: Frame): SightingPlace => {
    // Marks outside the picture were read off frames of another size.
    const fits = config.ground?.points.every(({ pixel: [x, y] }) => x <= frame.width && y <= frame.height) ?? false;
    return placeSighting(box, fits ? ground : undefined, config.location);
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
      if (event.kind === 'warning') {
        log.info({ type: event.type, zone: event.zoneId, trackId: event.trackId }, 'warning');
        try {
          await o.onWarning?.(warningOf(event, config.id));
        } catch (error) {
          log.warn({ err: (error as Error).message }, 'warning sink failed');
        }
        continue;
      }
      const violation = violationOf(event, {
        cameraId: config.id,
        track: tracks.find((t) => t.id === event.trackId),
        frame,
        firstFrame: firstFrames.get(event.trackId),
        detectorId: detector.model.id,
        place: place(event.box, frame),
        zone: config.zones.find((z) => z.id === event.zoneId),
      });
      log.info({ type: event.type, zone: event.zoneId, trackId: event.trackId, reason: violation.attributes?.reason }, 'violation');
      await deliver(o.sink, violation, log);
    }
    return { detections, tracks, events: evaluated.events };
  };
}

const SINK_ATTEMPTS = 4;

/** As the watcher does: a few retries with backoff, then logged, never thrown into the patrol. */
async function deliver(sink: ViolationSink, violation: Violation, log: Logger): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await sink(violation);
      return;
    } catch (error) {
      if (attempt >= SINK_ATTEMPTS) {
        log.error({ err: (error as Error).message, type: violation.type, trackId: violation.trackId }, 'violation sink failed; violation not delivered');
        return;
      }
      await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
    }
  }
}

function groundOf(config: CameraConfig, log: Logger): GroundPlane | undefined {
  try {
    return config.ground ? fitGroundPlane(config.ground.points) : undefined;
  } catch (error) {
    log.warn({ err: (error as Error).message }, 'ground calibration unusable; sightings are placed at the camera');
    return undefined;
  }
}
