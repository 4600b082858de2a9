// The model manifest (DESIGN.md, "Model manifest"): one entry per model, saying where its file is,
// which sha256 it must have, how its input is prepared, how its output is decoded and what its
// labels are. Code never hard-codes a model; it reads an entry from here.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModelFormat } from '../pipeline/detect/decoders/index.ts';
import type { ResizeMode } from '../pipeline/detect/geometry.ts';

export const MODELS_DIR = path.dirname(fileURLToPath(import.meta.url));
export const DEFAULT_MANIFEST = path.join(MODELS_DIR, 'manifest.json');

const FORMATS: readonly ModelFormat[] = ['nanodet', 'yolov5', 'yolov8', 'end-to-end', 'yolox'];
const RESIZE_MODES: readonly ResizeMode[] = ['stretch', 'letterbox'];

export interface InputSpec {
  /** The ONNX input name; the model's only input when omitted. */
  name?: string;
  width: number;
  height: number;
  layout: 'NCHW' | 'NHWC';
  channels: 'RGB' | 'BGR';
  resize: ResizeMode;
  /** Grey level (0-255) of the letterbox border. */
  padValue: number;
  /** Pixel value v (0-255) becomes (v * scale - mean[c]) / std[c], c in the model's channel order. */
  scale: number;
  mean: [number, number, number];
  std: [number, number, number];
}

export interface ModelEntry {
  id: string;
  version: string;
  kind: 'detector';
  format: ModelFormat;
  /** Absolute path, resolved against the manifest's folder at load. */
  file: string;
  sha256: string;
  input: InputSpec;
  output: { strides?: number[]; regMax?: number };
  labels: string[];
  /** Where the weights come from, for people deciding whether they may use them. */
  source: string;
  licence: string;
  /** Present when set-up produces the file itself rather than a person installing it. */
  generatedBy?: { importer: string; from: string };
  notes?: string;
}

export interface Manifest {
  /** The file it was read from, for messages. */
  path: string;
  defaultDetector: string;
  models: ModelEntry[];
}

/** A manifest that cannot be used; the message names the file, the entry and the field. */
export class ManifestError extends Error {
  override name = 'ManifestError';
}

export async function loadManifest(manifestPath: string = DEFAULT_MANIFEST): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch (error) {
    throw new ManifestError(`${manifestPath}: cannot read model manifest (${(error as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ManifestError(`${manifestPath}: not valid JSON (${(error as Error).message})`);
  }
  return parseManifest(raw, manifestPath);
}

export function findModel(manifest: Manifest, id: string = manifest.defaultDetector): ModelEntry {
  const entry = manifest.models.find((m) => m.id === id);
  if (!entry) {
    const known = manifest.models.map((m) => m.id).join(', ');
    throw new ManifestError(`${manifest.path}: no model with id "${id}" (known: ${known})`);
  }
  return entry;
}

export async function parseManifest(raw: unknown, manifestPath: string): Promise<Manifest> {
  const at = (where: string, problem: string) => new ManifestError(`${manifestPath}: ${where}: ${problem}`);
  if (!isObject(raw)) throw at('top level', 'must be an object with "defaultDetector" and "models"');
  if (!Array.isArray(raw.models)) throw at('models', 'must be an array');
  const dir = path.dirname(manifestPath);
  const models: ModelEntry[] = [];
  for (const [i, item] of raw.models.entries()) {
    const where = isObject(item) && typeof item.id === 'string' ? `models[${i}] (${item.id})` : `models[${i}]`;
    models.push(await parseEntry(item, dir, (field, problem) => at(`${where} ${field}`, problem)));
  }
  const ids = new Set<string>();
  for (const m of models) {
    if (ids.has(m.id)) throw at(`models (${m.id})`, 'id appears twice');
    ids.add(m.id);
  }
  if (typeof raw.defaultDetector !== 'string') throw at('defaultDetector', 'must be a model id');
  if (!ids.has(raw.defaultDetector)) {
    throw at('defaultDetector', `"${raw.defaultDetector}" is not one of the models (${[...ids].join(', ')})`);
  }
  return { path: manifestPath, defaultDetector: raw.defaultDetector, models };
}

type Fail = (field: string, problem: string) => ManifestError;

async function parseEntry(item: unknown, dir: string, fail: Fail): Promise<ModelEntry> {
  if (!isObject(item)) throw fail('', 'must be an object');
  const str = (field: string): string => {
    const v = item[field];
    if (typeof v !== 'string' || v.length === 0) throw fail(field, 'must be a non-empty string');
    return v;
  };
  const id = str('id');
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(id)) throw fail('id', 'use lower-case letters, digits, ".", "_" and "-"');
  const kind = str('kind');
  if (kind !== 'detector') throw fail('kind', `"${kind}" is not supported (supported: detector)`);
  const format = str('format') as ModelFormat;
  if (!FORMATS.includes(format)) throw fail('format', `"${format}" is not one of ${FORMATS.join(', ')}`);
  const sha256 = str('sha256');
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw fail('sha256', 'must be 64 lower-case hex digits');
  const labelsFile = path.resolve(dir, str('labels'));
  const labels = await readLabels(labelsFile, fail);
  const entry: ModelEntry = {
    id,
    version: str('version'),
    kind,
    format,
    file: path.resolve(dir, str('file')),
    sha256,
    input: parseInput(item.input, fail),
    output: parseOutput(item.output, fail),
    labels,
    source: str('source'),
    licence: str('licence'),
  };
  if (item.generatedBy !== undefined) {
    const g = item.generatedBy;
    // Which importers exist is checked by scripts/import-models.ts, so that loading a manifest in a
    // worker does not pull in the converter.
    if (!isObject(g) || typeof g.importer !== 'string' || typeof g.from !== 'string') {
      throw fail('generatedBy', 'must be {"importer": "<name>", "from": "<file inside an npm package>"}');
    }
    entry.generatedBy = { importer: g.importer, from: g.from };
  }
  if (typeof item.notes === 'string') entry.notes = item.notes;
  return entry;
}

function parseInput(v: unknown, fail: Fail): InputSpec {
  if (!isObject(v)) throw fail('input', 'must be an object');
  const posInt = (field: string): number => {
    const n = v[field];
    if (!Number.isInteger(n) || (n as number) <= 0) throw fail(`input.${field}`, 'must be a positive integer');
    return n as number;
  };
  const oneOf = <T extends string>(field: string, allowed: readonly T[], fallback: T): T => {
    const x = v[field] ?? fallback;
    if (!allowed.includes(x as T)) throw fail(`input.${field}`, `must be one of ${allowed.join(', ')}`);
    return x as T;
  };
  const triple = (field: string, fallback: number): [number, number, number] => {
    const x = v[field] ?? [fallback, fallback, fallback];
    if (!Array.isArray(x) || x.length !== 3 || !x.every((n) => typeof n === 'number' && Number.isFinite(n))) {
      throw fail(`input.${field}`, 'must be three numbers, one per channel');
    }
    return x as [number, number, number];
  };
  const scale = v.scale ?? 1 / 255;
  if (typeof scale !== 'number' || !(scale > 0)) throw fail('input.scale', 'must be a positive number');
  const padValue = v.padValue ?? 114;
  if (!Number.isInteger(padValue) || (padValue as number) < 0 || (padValue as number) > 255) {
    throw fail('input.padValue', 'must be an integer from 0 to 255');
  }
  const std = triple('std', 1);
  if (std.some((s) => s === 0)) throw fail('input.std', 'must not contain 0');
  const spec: InputSpec = {
    width: posInt('width'),
    height: posInt('height'),
    layout: oneOf('layout', ['NCHW', 'NHWC'] as const, 'NCHW'),
    channels: oneOf('channels', ['RGB', 'BGR'] as const, 'RGB'),
    resize: oneOf('resize', RESIZE_MODES, 'letterbox'),
    padValue: padValue as number,
    scale,
    mean: triple('mean', 0),
    std,
  };
  if (v.name !== undefined) {
    if (typeof v.name !== 'string') throw fail('input.name', 'must be a string');
    spec.name = v.name;
  }
  return spec;
}

function parseOutput(v: unknown, fail: Fail): ModelEntry['output'] {
  if (v === undefined) return {};
  if (!isObject(v)) throw fail('output', 'must be an object');
  const out: ModelEntry['output'] = {};
  if (v.strides !== undefined) {
    if (!Array.isArray(v.strides) || v.strides.length === 0 || !v.strides.every((s) => Number.isInteger(s) && s > 0)) {
      throw fail('output.strides', 'must be a list of positive integers');
    }
    out.strides = v.strides as number[];
  }
  if (v.regMax !== undefined) {
    if (!Number.isInteger(v.regMax) || (v.regMax as number) < 1) throw fail('output.regMax', 'must be a positive integer');
    out.regMax = v.regMax as number;
  }
  return out;
}

async function readLabels(file: string, fail: Fail): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw fail('labels', `cannot read labels file ${file}`);
  }
  const labels = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  if (labels.length === 0) throw fail('labels', `${file} has no labels (one per line)`);
  return labels;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
