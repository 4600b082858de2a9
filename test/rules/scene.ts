// A synthetic street scene: detections as a function of scene time, fed through the real tracker
// and the real rules with an injected clock, so hours of scene time run in milliseconds.
import type { CameraConfig } from '../../contracts/camera.ts';
import type { Box, Detection } from '../../contracts/types.ts';
import { evaluateCameraRules, type CameraRulesState } from '../../pipeline/rules/camera-rules.ts';
import type { RuleEvent } from '../../pipeline/rules/rule-types.ts';
import { createTracker } from '../../pipeline/track/tracker.ts';

export const FRAME = { width: 1000, height: 1000 };
/** 2026-05-04 is a Monday; 09:00 in Shanghai. */
export const MONDAY_9AM = new Date('2026-05-04T09:00:00+08:00');

export function camera(zones: CameraConfig['zones'], rules: CameraConfig['rules'] = {}, timezone?: string): CameraConfig {
  return { id: 'cam', name: 'cam', url: 'rtsp://x/y', zones, rules, ...(timezone ? { timezone } : {}) };
}

export const det = (label: string, box: Box, score = 0.8): Detection => ({ label, box, score });

export function runScene(options: {
  camera: CameraConfig;
  start?: Date;
  seconds: number;
  everySeconds?: number;
  /** The detections of the frame at scene second t; null when there is no frame (stream down). */
  at: (t: number) => Detection[] | null;
}): RuleEvent[] {
  const tracker = createTracker();
  let state: CameraRulesState = {};
  const events: RuleEvent[] = [];
  const start = (options.start ?? MONDAY_9AM).getTime();
  const step = options.everySeconds ?? 1;
  for (let t = 0; t <= options.seconds; t += step) {
    const now = new Date(start + t * 1000);
    const detections = options.at(t);
    if (detections === null) continue;
    const tracks = tracker.update(detections, now);
    const r = evaluateCameraRules(state, { now, tracks, camera: options.camera, frameSize: FRAME });
    state = r.state;
    events.push(...r.events);
  }
  return events;
}

export const secondsAfter = (e: RuleEvent, start = MONDAY_9AM) => (e.at.getTime() - start.getTime()) / 1000;
