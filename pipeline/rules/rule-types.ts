// What every camera rule takes and gives. Rules are pure: the same tracks, zones, settings and
// clock give the same events and the same next state, so tests replay hours of scene time in
// milliseconds and a worker can be restarted from a saved state.
import type { CameraConfig, RuleSettings, Zone } from '../../contracts/camera.ts';
import type { Box, ViolationType } from '../../contracts/types.ts';
import type { TrackedObject } from '../track/tracked-object.ts';
import type { FrameSize } from './zones.ts';

export interface RuleInput {
  /** The time of the frame being judged: the clock is passed in, never read. */
  now: Date;
  tracks: readonly TrackedObject[];
  camera: Pick<CameraConfig, 'id' | 'timezone' | 'rules' | 'zones'>;
  frameSize: FrameSize;
}

export interface RuleEvent {
  kind: 'warning' | 'violation';
  type: ViolationType;
  cameraId: string;
  zoneId: string;
  trackId: number;
  label: string;
  /** When the dwell clock started (the object stopped in the zone, or the zone's window opened). */
  startedAt: Date;
  /** The frame time that raised it. */
  at: Date;
  box: Box;
  score: number;
  /** Other tracks that make up the finding (the people at a stall). */
  relatedTrackIds?: number[];
  /** The model (manifest id, file sha256) of the detection behind it, when the track knows it. */
  modelId?: string;
  modelSha256?: string;
  /** Second-stage results of the sighting that raised it (cover state, …). */
  attributes?: Record<string, string | number>;
}

/**
 * The event every rule raises about one tracked object, with the model that found it when the
 * track knows it; a rule adds what is special to it.
 */
export function trackEvent(
  kind: RuleEvent['kind'],
  type: ViolationType,
  cameraId: string,
  zoneId: string,
  track: TrackedObject,
  startedAt: Date,
  at: Date,
): RuleEvent {
  const event: RuleEvent = { kind, type, cameraId, zoneId, trackId: track.id, label: track.label, startedAt, at, box: track.box, score: track.score };
  if (track.modelId !== undefined) event.modelId = track.modelId;
  if (track.modelSha256 !== undefined) event.modelSha256 = track.modelSha256;
  return event;
}

/** An object whose dwell clock runs in a zone. */
export interface Candidate {
  zoneId: string;
  startedAt: Date;
  warned: boolean;
  violated: boolean;
  /** Last time the finding held in full (street vending: a person was at the stall). */
  heldAt: Date;
}

/** Per rule: the candidates by track id. Tracks that are gone are dropped, so it stays small. */
export type RuleState = ReadonlyMap<number, Candidate>;

export interface RuleResult {
  state: RuleState;
  events: RuleEvent[];
}

/** Rule defaults overlaid with the camera's settings, then the zone's. */
export function settingsFor<T extends RuleSettings>(defaults: T, type: ViolationType, camera: RuleInput['camera'], zone: Zone): T {
  return { ...defaults, ...camera.rules?.[type], ...zone.rules?.[type] };
}

export function seconds(from: Date, to: Date): number {
  return (to.getTime() - from.getTime()) / 1000;
}

export function later(a: Date, b: Date): Date {
  return a.getTime() >= b.getTime() ? a : b;
}
