// One frame from a camera, now: the camera ingest (ffmpeg through openCameraStream) opened for a
// single frame at the camera's analysis size, so boxes compare with the ones its worker reported.
import { DEFAULT_ANALYSIS_WIDTH, type CameraConfig } from '../../contracts/camera.ts';
import type { Frame } from '../../contracts/types.ts';
import { openCameraStream } from '../ingest/camera-stream.ts';

export class NoFrameError extends Error {}

export async function grabFrame(config: CameraConfig, url: string, timeoutMs = 20_000, clock: () => Date = () => new Date()): Promise<Frame> {
  const analysis = config.analysis ?? {};
  const stream = openCameraStream({
    cameraId: config.id,
    url,
    width: analysis.width ?? DEFAULT_ANALYSIS_WIDTH,
    fps: 2,
    ...(analysis.rtspTransport !== undefined ? { rtspTransport: analysis.rtspTransport } : {}),
    stallSeconds: Math.max(5, Math.round(timeoutMs / 1000)),
    clock,
  });
  const timer = setTimeout(() => void stream.stop(), timeoutMs);
  try {
    for await (const item of stream) return item.frame;
    throw new NoFrameError(`camera ${config.id} gave no frame within ${Math.round(timeoutMs / 1000)} s`);
  } finally {
    clearTimeout(timer);
    await stream.stop();
  }
}
