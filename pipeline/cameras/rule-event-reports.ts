// A rule event as what leaves the camera: a warning for the operator, or a violation with its two
// evidence frames, the model that found it and why it was judged (attributes.reason).
import type { Zone } from '../../contracts/camera.ts';
import type { Frame, Violation } from '../../contracts/types.ts';
import type { RuleEvent } from '../rules/rule-types.ts';
import type { TrackedObject } from '../track/tracked-object.ts';
import type { SightingPlace } from './frame-analysis.ts';
import type { ViolationWarning } from './violation-sink.ts';

export function warningOf(event: RuleEvent, cameraId: string): ViolationWarning {
  return {
    type: event.type,
    sourceId: cameraId,
    zoneId: event.zoneId,
    trackId: event.trackId,
    label: event.label,
    startedAt: event.startedAt,
    observedAt: event.at,
    box: event.box,
    score: event.score,
  };
}

export interface ViolationContext {
  cameraId: string;
  track: TrackedObject | undefined;
  /** The frame that confirmed it, and the one on which the object was first seen where it stands. */
  frame: Frame;
  firstFrame: Frame | undefined;
  /** The camera's detector, when neither the event nor the track names a model. */
  detectorId: string;
  place: SightingPlace;
  /** The rule's zone: its outline is drawn on the evidence. */
  zone?: Pick<Zone, 'id' | 'name' | 'polygon'>;
}

export function violationOf(event: RuleEvent, c: ViolationContext): Violation {
  const modelSha256 = event.modelSha256 ?? c.track?.modelSha256;
  const attributes: Record<string, string | number> = {
    ...(event.attributes ?? {}),
    ...(event.relatedTrackIds?.length ? { relatedTrackIds: event.relatedTrackIds.join(',') } : {}),
  };
  return {
    type: event.type,
    sourceId: c.cameraId,
    observedAt: event.at,
    box: event.box,
    score: event.score,
    zoneId: event.zoneId,
    ...(c.zone ? { zoneOutline: { polygon: c.zone.polygon, name: c.zone.name ?? c.zone.id } } : {}),
    ...c.place,
    evidenceFrames: [c.firstFrame ?? c.frame, c.frame],
    trackId: event.trackId,
    label: event.label,
    startedAt: event.startedAt,
    modelId: event.modelId ?? c.track?.modelId ?? c.detectorId,
    ...(modelSha256 ? { modelSha256 } : {}),
    ...(Object.keys(attributes).length ? { attributes } : {}),
  };
}
