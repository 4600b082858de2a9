// Per-camera stream health as an operator sees it. Everything here is safe to show: the URL is
// redacted and error text is scrubbed of credentials before it is stored.
export type StreamState = 'connecting' | 'streaming' | 'stalled' | 'failed' | 'stopped';

export interface StreamHealth {
  cameraId: string;
  /** The camera URL with credentials masked. */
  url: string;
  state: StreamState;
  /** When the state last changed (ISO). */
  since: string;
  lastFrameAt: string | null;
  /** Frames delivered per second, measured over the last 10 s. */
  fps: number;
  restarts: number;
  lastError: string | null;
  /** Frames delivered since the camera was opened. */
  frames: number;
  /** Live frames replaced by a newer one before analysis took them (analysis too slow). */
  dropped: number;
}

/** Frames per second over a sliding window of arrival times. */
export class FpsMeter {
  private times: number[] = [];
  constructor(private readonly windowMs = 10_000) {}

  tick(nowMs: number): void {
    this.times.push(nowMs);
    this.trim(nowMs);
  }

  rate(nowMs: number): number {
    this.trim(nowMs);
    if (this.times.length < 2) return 0;
    const span = Math.max(nowMs - this.times[0]!, (this.times.length - 1) * 1);
    return Math.round(((this.times.length - 1) / span) * 1000 * 100) / 100;
  }

  private trim(nowMs: number): void {
    while (this.times.length > 0 && nowMs - this.times[0]! > this.windowMs) this.times.shift();
  }
}
