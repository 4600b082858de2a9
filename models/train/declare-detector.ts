// The output of a detector fine-tune: `<id>.onnx` and `<id>.labels.txt` beside `manifest.json`,
// which declares it as a `detector` entry (format nanodet, the base's input and output layout) with
// what it was trained on, from which base, and how it did. The model version store takes this entry
// as it is (an id the manifest already has is refused, never overwritten).
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ModelEntry } from '../manifest.ts';
import { manifestFileOf } from './declare-classifier.ts';

export interface DetectorDeclaration {
  id: string;
  labels: string[];
  base: ModelEntry;
  gsdCm?: number;
  training: object;
  metrics: object;
}

type RawManifest = { defaultDetector?: string; models: Record<string, unknown>[] };

/** Writes the labels and the entry for the ONNX file already at OUT/<id>.onnx; returns its sha256. */
export async function declareDetector(outDir: string, d: DetectorDeclaration): Promise<{ manifest: string; file: string; sha256: string }> {
  const file = path.join(outDir, `${d.id}.onnx`);
  const sha256 = createHash('sha256').update(await readFile(file)).digest('hex');
  await writeFile(path.join(outDir, `${d.id}.labels.txt`), `${d.labels.join('\n')}\n`);
  const manifestFile = manifestFileOf(outDir);
  let manifest: RawManifest;
  try {
    manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as RawManifest;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    manifest = { models: [] };
  }
  // Declared but not run on every frame until someone promotes it (or sets it as the default).
  manifest.defaultDetector ??= d.id;
  // The base's GSD says what *it* suits from the air; the tuned model suits its training images.
  const { name: _name, gsdCm: _baseGsd, ...input } = d.base.input;
  manifest.models.push({
    id: d.id,
    version: '1',
    kind: 'detector',
    format: 'nanodet',
    file: `${d.id}.onnx`,
    sha256,
    input: { ...input, ...(d.gsdCm !== undefined ? { gsdCm: d.gsdCm } : {}) },
    output: d.base.output,
    labels: `${d.id}.labels.txt`,
    source: `fine-tuned on this machine from ${d.base.id} (${d.base.sha256.slice(0, 12)}…) by npm run train -- detector`,
    licence: `${d.base.licence}; fine-tuned weights: yours`,
    notes: `Classes ${d.labels.join(', ')}. Trained and measured as recorded in "training" and "metrics"; compare it with the current model on held-out images before promoting it.`,
    base: { id: d.base.id, sha256: d.base.sha256 },
    training: d.training,
    metrics: d.metrics,
  });
  await writeFile(manifestFile, `${JSON.stringify(manifest, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`);
  return { manifest: manifestFile, file, sha256 };
}
