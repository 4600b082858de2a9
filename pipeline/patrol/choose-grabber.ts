// Which grab method a patrol camera uses, built from its config.
import type { CameraConfig, PatrolGrab } from '../../contracts/camera.ts';
import { DEFAULT_ANALYSIS_WIDTH } from '../../contracts/camera.ts';
import type { FrameGrabber } from './frame-grabber.ts';
import { keyframeGrabber } from './grab-keyframe.ts';
import { sessionGrabber } from './grab-session.ts';
import { snapshotGrabber } from './grab-snapshot.ts';

export interface GrabberOptions {
  /** Longest a grab may take (default: the pass interval, at most 10 s). */
  timeoutMs?: number;
  /** When a frame counts as taken (tests run a faster scene clock). */
  clock?: () => Date;
}

/** The method a patrol camera uses: its `analysis.grab`, else snapshot when it has a snapshot URL, else keyframe. */
export function grabMethod(config: CameraConfig): PatrolGrab {
  return config.analysis?.grab ?? (config.analysis?.snapshotUrl ? 'snapshot' : 'keyframe');
}

export function createGrabber(config: CameraConfig, options: GrabberOptions = {}): FrameGrabber {
  const analysis = config.analysis ?? {};
  const common = {
    cameraId: config.id,
    width: analysis.width ?? DEFAULT_ANALYSIS_WIDTH,
    timeoutMs: options.timeoutMs ?? Math.min(10_000, (analysis.everySeconds ?? 30) * 1000),
    clock: options.clock ?? (() => new Date()),
  };
  if (grabMethod(config) === 'snapshot') {
    if (!analysis.snapshotUrl) throw new Error(`camera ${config.id}: grab "snapshot" needs analysis.snapshotUrl`);
    return snapshotGrabber({ ...common, url: analysis.snapshotUrl });
  }
  const stream = { ...common, url: config.url, rtspTransport: analysis.rtspTransport ?? 'tcp' } as const;
  return grabMethod(config) === 'session' ? sessionGrabber(stream) : keyframeGrabber(stream);
}
