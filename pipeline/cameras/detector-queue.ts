// One detector shared by every camera of a worker process, one frame at a time. Parallel runs of
// an ONNX session on two cores only fight over them (and over ffmpeg's decoding); a queue keeps
// each run fast and makes the wait visible as analysis lag.
import type { Detection, Frame } from '../../contracts/types.ts';

/** What the camera pipeline needs of a detector: one model (detector.ts), or the model registry's whole set (registryDetector). */
export interface FrameDetector {
  /** `input`: the model's input size and resize, for cameras fed frames at that size (analysis.frameSize). */
  readonly model: { id: string; input?: { width: number; height: number; resize: string } };
  detectFrame(frame: Frame): Promise<{ width: number; height: number; detections: Detection[] }>;
}

export interface QueuedDetector extends FrameDetector {
  /** Detector runs since start. */
  readonly runs: number;
  readonly waiting: number;
}

export function queueDetector<D extends FrameDetector>(detector: D): QueuedDetector & { detectFrame: D['detectFrame'] } {
  let tail: Promise<unknown> = Promise.resolve();
  let runs = 0;
  let waiting = 0;
  return {
    model: detector.model,
    detectFrame(frame) {
      waiting++;
      const next = tail.then(() => {
        waiting--;
        runs++;
        return detector.detectFrame(frame);
      });
      tail = next.catch(() => undefined);
      return next;
    },
    get runs() {
      return runs;
    },
    get waiting() {
      return waiting;
    },
  };
}
