// One detector shared by every camera of a worker process, one model call at a time. Parallel runs
// of an ONNX session on two cores only fight over them (and over ffmpeg's decoding); a queue keeps
// each run fast and makes the wait visible as analysis lag.
//
// Frames of several cameras that wait while the model runs go through it together at its next
// call (up to its maxBatch), when the detector offers detectFrames: one session.run of a batch
// costs less per frame than a run each. Nothing waits on purpose to fill a batch: an idle queue
// runs the first frame at once, so batches form only when cameras are already waiting.
import type { Histogram } from 'prom-client';
import type { Detection, Frame } from '../../contracts/types.ts';

export interface FrameDetections {
  width: number;
  height: number;
  detections: Detection[];
}

/** What the camera pipeline needs of a detector: one model (detector.ts), or the model registry's whole set (registryDetector). */
export interface FrameDetector {
  /** `input`: the model's input size and resize, for cameras fed frames at that size (analysis.frameSize). */
  readonly model: { id: string; input?: { width: number; height: number; resize: string } };
  detectFrame(frame: Frame): Promise<FrameDetections>;
  /** Several frames in one model call, results in the frames' order, each what detectFrame gives for it. */
  detectFrames?(frames: readonly Frame[]): Promise<FrameDetections[]>;
  /** The most frames detectFrames takes in one model call; read before every call, so a reloaded model's applies. */
  readonly maxBatch?: number;
}

export interface QueuedDetector extends FrameDetector {
  detectFrames(frames: readonly Frame[]): Promise<FrameDetections[]>;
  /** Frames the detector has run on since start (a frame retried alone after its batch failed counts once). */
  readonly runs: number;
  /** Detector calls since start, a batch being one: runs / batches is the mean batch size. */
  readonly batches: number;
  /** Frames submitted and not yet started. */
  readonly waiting: number;
}

export interface QueueOptions {
  /** Frames per detector call, observed at every call. */
  batchSize?: Histogram;
  /**
   * At most this many frames a call, below the model's maxBatch (1: one frame at a time). On a CPU
   * a batch need not be cheaper per frame than single runs: README "Frames of several cameras".
   */
  maxBatch?: number;
}

type Result<D extends FrameDetector> = Awaited<ReturnType<D['detectFrame']>>;

/** The queue over D: its results typed as D's (a registry set's carry perModel). */
export type Queued<D extends FrameDetector> = Omit<QueuedDetector, 'detectFrame' | 'detectFrames'> & {
  detectFrame(frame: Frame): Promise<Result<D>>;
  detectFrames(frames: readonly Frame[]): Promise<Array<Result<D>>>;
};

interface Waiter<R> {
  frame: Frame;
  resolve(result: R): void;
  reject(error: unknown): void;
}

export function queueDetector<D extends FrameDetector>(detector: D, options: QueueOptions = {}): Queued<D> {
  const pending: Waiter<Result<D>>[] = [];
  let draining = false;
  let runs = 0;
  let batches = 0;

  const alone = async (waiter: Waiter<Result<D>>): Promise<void> => {
    try {
      waiter.resolve((await detector.detectFrame(waiter.frame)) as Result<D>);
    } catch (error) {
      waiter.reject(error);
    }
  };

  const together = async (batch: Waiter<Result<D>>[]): Promise<void> => {
    let results: FrameDetections[];
    try {
      results = await detector.detectFrames!(batch.map((w) => w.frame));
    } catch {
      // One frame the model cannot take (a truncated buffer) fails the whole call: each frame runs
      // alone, so only its own camera hears of it, and a model that fails every frame tells each.
      for (const waiter of batch) await alone(waiter);
      return;
    }
    if (results.length !== batch.length) {
      const error = new Error(`detector ${detector.model.id} gave ${results.length} results for a batch of ${batch.length} frames`);
      for (const waiter of batch) waiter.reject(error);
      return;
    }
    batch.forEach((waiter, i) => waiter.resolve(results[i] as Result<D>));
  };

  const cap = options.maxBatch ?? Infinity;
  if (!(cap >= 1)) throw new RangeError(`queueDetector: maxBatch must be at least 1 (got ${options.maxBatch})`);
  const batchLimit = (): number => {
    if (!detector.detectFrames) return 1;
    try {
      const n = Math.floor(Math.min(cap, detector.maxBatch ?? 1));
      return Number.isFinite(n) && n > 1 ? n : 1;
    } catch {
      // A registry closing under the queue: its frames still get their own error, one by one.
      return 1;
    }
  };

  const drain = async (): Promise<void> => {
    try {
      while (pending.length > 0) {
        const batch = pending.splice(0, batchLimit());
        runs += batch.length;
        batches++;
        options.batchSize?.observe(batch.length);
        await (batch.length === 1 ? alone(batch[0]!) : together(batch));
      }
    } finally {
      draining = false;
    }
  };

  const submit = (frame: Frame): Promise<Result<D>> =>
    new Promise<Result<D>>((resolve, reject) => {
      pending.push({ frame, resolve, reject });
      // Started after the current turn: frames submitted in the same turn share the first call.
      if (!draining) {
        draining = true;
        queueMicrotask(() => void drain());
      }
    });

  return {
    get model() {
      return detector.model;
    },
    get maxBatch() {
      return detector.maxBatch;
    },
    detectFrame: submit,
    // Offered so that a queue wrapped in another (a worker given an already queued detector) still batches.
    detectFrames: (frames: readonly Frame[]) => Promise.all(frames.map(submit)),
    get runs() {
      return runs;
    },
    get batches() {
      return batches;
    },
    get waiting() {
      return pending.length;
    },
  };
}
