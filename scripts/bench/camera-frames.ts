// Frames exactly as a camera worker gets them: the real ffmpeg ingest (openCameraStream) over a
// file, every sampled frame kept, at the full analysis width or at the detector's input size.
import type { Frame } from '../../contracts/types.ts';
import { createLogger } from '../../infra/logger.ts';
import { openCameraStream, type CameraStreamOptions } from '../../pipeline/ingest/camera-stream.ts';

export async function cameraFrames(
  file: string,
  count: number,
  size: Pick<CameraStreamOptions, 'width' | 'frameSize'>,
  fps = 1,
): Promise<Frame[]> {
  // Stream state lines would interleave with the figures on stdout: warnings only.
  const logger = createLogger('ingest', { camera: 'bench' });
  logger.level = 'warn';
  const stream = openCameraStream({ cameraId: 'bench', url: file, fps, ...size, stallSeconds: 20, logger });
  const frames: Frame[] = [];
  try {
    for await (const item of stream) {
      frames.push(item.frame);
      if (frames.length === count) break;
    }
  } finally {
    await stream.stop();
  }
  if (frames.length < count) throw new Error(`${file}: only ${frames.length} of ${count} frames at ${fps} fps`);
  return frames;
}
