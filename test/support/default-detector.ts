// The product's default detector, as the manifest declares it, for tests that need a real model.
import { findModel, loadManifest, type ModelEntry } from '../../models/manifest.ts';
import { createDetector, type Detector, type DetectorOptions } from '../../pipeline/detect/detector.ts';

export async function defaultModel(): Promise<ModelEntry> {
  return findModel(await loadManifest());
}

export async function defaultDetector(options: DetectorOptions = {}): Promise<Detector> {
  return createDetector(await defaultModel(), { threads: 2, ...options });
}
