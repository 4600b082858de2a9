// The frame size of a camera analysed at the model's input (analysis.frameSize "model"): the
// detector's own input, which ffmpeg then scales every frame to, so detect() resamples nothing.
import type { FrameDetector } from './detector-queue.ts';

/** The detector's input size, which frames of an analysis.frameSize "model" camera are scaled to. */
export function modelFrameSize(detector: FrameDetector, cameraId: string): { width: number; height: number } {
  const input = detector.model.input;
  if (!input || input.resize !== 'stretch') {
    throw new Error(
      `camera ${cameraId}: analysis.frameSize "model" needs a detector fed stretched frames; ${detector.model.id} ${input ? `is fed ${input.resize}` : 'has no single input size (detectors of different sizes)'}`,
    );
  }
  return { width: input.width, height: input.height };
}
