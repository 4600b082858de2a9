// The detector camera workers use: the manifest's default model, with a low score floor so the
// tracker gets weak detections too (ByteTrack keeps a half-hidden car's track alive with them;
// only detections above the tracker's highScore start new tracks).
import { findModel, loadManifest } from '../../models/manifest.ts';
import { createDetector, type Detector } from '../detect/detector.ts';
import type { Embedder } from '../embed/embedder.ts';
import { loadManifestEmbedder } from '../embed/load-embedder.ts';
import type { CropEmbedder } from '../embed/sightings.ts';

export const CAMERA_MIN_SCORE = 0.2;

export async function createCameraDetector(options: { modelId?: string; threads?: number } = {}): Promise<Detector> {
  const manifest = await loadManifest();
  return createDetector(findModel(manifest, options.modelId), {
    // One thread: the cores are shared with ffmpeg decoders of every camera of the process.
    threads: options.threads ?? 1,
    thresholds: { default: CAMERA_MIN_SCORE },
  });
}

/**
 * The appearance embedder every camera of the process shares (the manifest's `embedder` entry),
 * opened on first use, one batch at a time like the detector. Resolves to undefined when the
 * manifest declares none: tracking then goes by position alone.
 */
let sharedEmbedder: Promise<CropEmbedder | undefined> | undefined;
export function cameraEmbedder(): Promise<CropEmbedder | undefined> {
  sharedEmbedder ??= loadManifestEmbedder().then((e) => (e ? queueEmbedder(e) : undefined));
  // A failure (the generated file missing) is not remembered: the next camera tries again.
  sharedEmbedder.catch(() => (sharedEmbedder = undefined));
  return sharedEmbedder;
}

function queueEmbedder(embedder: Embedder): CropEmbedder {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    embedCrops(images, boxes) {
      const next = tail.then(() => embedder.embedCrops(images, boxes));
      tail = next.catch(() => undefined);
      return next;
    },
  };
}
