// The detector camera workers use: the manifest's default model, with a low score floor so the
// tracker gets weak detections too (ByteTrack keeps a half-hidden car's track alive with them;
// only detections above the tracker's highScore start new tracks).
import { findModel, loadManifest } from '../../models/manifest.ts';
import { createDetector, type Detector } from '../detect/detector.ts';

export const CAMERA_MIN_SCORE = 0.2;

export async function createCameraDetector(options: { modelId?: string; threads?: number } = {}): Promise<Detector> {
  const manifest = await loadManifest();
  return createDetector(findModel(manifest, options.modelId), {
    // One thread: the cores are shared with ffmpeg decoders of every camera of the process.
    threads: options.threads ?? 1,
    thresholds: { default: CAMERA_MIN_SCORE },
  });
}
