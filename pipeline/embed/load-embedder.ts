// The embedder camera workers use: the manifest's `embedder` entry, or none when the manifest
// declares none (tracking then falls back to position alone, and says so once).
import { loadManifest } from '../../models/manifest.ts';
import { createEmbedder, type Embedder } from './embedder.ts';

export async function loadManifestEmbedder(options: { manifestPath?: string; threads?: number } = {}): Promise<Embedder | undefined> {
  const manifest = await loadManifest(options.manifestPath);
  if (!manifest.embedder) return undefined;
  // One thread, as the camera detector: the cores are shared with every camera's decoder.
  return createEmbedder(manifest.embedder, { threads: options.threads ?? 1 });
}
