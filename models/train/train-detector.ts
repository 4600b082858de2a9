// A detector fine-tuned on a YOLO dataset, in stages: check the inputs here (id, base, out) →
// make sure Python has torch (scripts/setup-training.sh) → the Python trainer
// (models/train/detector/) trains, validates each epoch, checkpoints and exports ONNX, printing JSON
// progress that is shown here → onnxruntime must give what torch gave on the same input (≤ 1e-3) →
// OUT/manifest.json declares it → the entry is loaded back and the product's detector runs it.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { REPO_ROOT } from '../../infra/samples.ts';
import { createDetector } from '../../pipeline/detect/detector.ts';
import { findModel, loadManifest, ManifestError, type ModelEntry } from '../manifest.ts';
import { checkIdIsFree } from './declare-classifier.ts';
import { declareDetector } from './declare-detector.ts';
import { ensureTrainingPython, runPythonModule } from './detector-python.ts';
import { parseProgress, progressLine, type ProgressEvent } from './detector-progress.ts';
import { TrainingInputError } from './train-classifier.ts';

export interface TrainDetectorOptions {
  dataset: string;
  labelMap?: string;
  base: string;
  id: string;
  out: string;
  minutes?: number;
  epochs?: number;
  classes?: string[];
  device?: 'cpu' | 'cuda';
  resume?: boolean;
  /** Ground sample distance (cm/px) of the training images, for drone models. */
  gsdCm?: number;
  /** Where the base is declared (default models/manifest.json). */
  manifest?: string;
  batch?: number;
  lr?: number;
  /** Train the neck and head only (faster on CPU; the backbone keeps the base's features). */
  freezeBackbone?: boolean;
  /** Folders of ground-level photos the base labels itself, mixed in against forgetting (default: Debian's sample photos; [] for none). */
  replay?: string[];
  /** Tests: a few steps, small epochs. */
  maxSteps?: number;
  minViewsPerEpoch?: number;
  log?: (line: string) => void;
  onProgress?: (e: ProgressEvent) => void;
}

export interface TrainedDetector {
  manifest: string;
  file: string;
  sha256: string;
  entry: ModelEntry;
  result: TrainResult;
}

export interface TrainResult {
  classes: string[];
  keptFromBase: string[];
  training: Record<string, unknown> & { firstEpochLoss: number | null; lossOnTrainingImages: { base: number; trained: number };
    apOnTrainingImages: Record<'base' | 'trained', { ap50: number; ap50to95: number }>; history: { epoch: number; loss: number; ap50: number | null; ap50to95: number | null }[] };
  metrics: { validation: string; base: { ap50: number | null; ap50to95: number | null } | null; best: Record<string, unknown> | null };
  exportParity: { opset: number; dir: string; maxAbsDiff?: number };
}

/** The families the ONNX → torch loader knows (models/train/detector/nanodet_model.py). */
const TRAINABLE_FORMATS = ['nanodet'];
const PARITY_TOLERANCE = 1e-3;
/** Street photos every machine has after set-up (scripts/fetch-samples.sh). */
const DEFAULT_REPLAY = [path.join(REPO_ROOT, 'samples', 'cache', 'darknet'), path.join(REPO_ROOT, 'samples', 'cache', 'labelme', 'annotated')];

export async function trainDetector(o: TrainDetectorOptions): Promise<TrainedDetector> {
  const log = o.log ?? (() => undefined);
  const base = await checkInputs(o);
  const work = path.join(o.out, `${o.id}.training`);
  await mkdir(work, { recursive: true });
  const config = path.join(work, 'config.json');
  await writeFile(config, JSON.stringify({
    dataset: path.resolve(o.dataset),
    base_file: base.file,
    base_labels: base.labels,
    input: base.input,
    out_file: path.resolve(o.out, `${o.id}.onnx`),
    work_dir: path.resolve(work),
    label_map: o.labelMap ? path.resolve(o.labelMap) : null,
    classes: o.classes ?? null,
    minutes: o.minutes ?? null,
    epochs: o.epochs ?? null,
    device: o.device ?? 'cpu',
    resume: o.resume ?? false,
    ...(o.batch ? { batch: o.batch } : {}),
    ...(o.lr ? { lr: o.lr } : {}),
    ...(o.freezeBackbone ? { freeze_backbone: true } : {}),
    replay_dirs: (o.replay ?? DEFAULT_REPLAY).map((d) => path.resolve(d)),
    ...(o.maxSteps ? { max_steps: o.maxSteps } : {}),
    ...(o.minViewsPerEpoch ? { min_views_per_epoch: o.minViewsPerEpoch } : {}),
  }, null, 2));

  // The dataset is checked before torch is even imported: a bad file is refused in a moment.
  failOnError(await runPythonModule('check_dataset', [config]));
  ensureTrainingPython(log);
  const run = await runPythonModule('train', [config], (line) => {
    const e = parseProgress(line);
    if (!e) return;
    o.onProgress?.(e);
    const shown = progressLine(e);
    if (shown) log(shown);
  });
  failOnError(run);
  return declareTrained(o, base, work);
}

/** Parity, declaration and a load-and-run check of what the trainer left in `work`. */
export async function declareTrained(o: Pick<TrainDetectorOptions, 'id' | 'out' | 'labelMap' | 'gsdCm' | 'log'>, base: ModelEntry, work: string): Promise<TrainedDetector> {
  const log = o.log ?? (() => undefined);
  const result = JSON.parse(await readFile(path.join(work, 'result.json'), 'utf8')) as TrainResult;
  const file = path.join(o.out, `${o.id}.onnx`);
  result.exportParity.maxAbsDiff = await exportParity(file, result.exportParity.dir);
  if (!(result.exportParity.maxAbsDiff <= PARITY_TOLERANCE)) {
    throw new Error(`${file}: onnxruntime differs from torch by ${result.exportParity.maxAbsDiff} (more than ${PARITY_TOLERANCE}); not declared`);
  }
  log(`export parity: onnxruntime vs torch max abs diff ${result.exportParity.maxAbsDiff.toExponential(2)}`);
  const declared = await declareDetector(o.out, {
    id: o.id,
    labels: result.classes,
    base,
    ...(o.gsdCm !== undefined ? { gsdCm: o.gsdCm } : {}),
    training: { ...result.training, labelMap: o.labelMap ? path.resolve(o.labelMap) : null, keptFromBase: result.keptFromBase },
    metrics: { ...result.metrics, exportParity: { opset: result.exportParity.opset, maxAbsDiff: result.exportParity.maxAbsDiff } },
  });
  const entry = await loadsAndRuns(declared.manifest, o.id);
  log(`declared ${o.id} in ${declared.manifest} (sha256 ${declared.sha256.slice(0, 12)}…)`);
  return { ...declared, entry, result };
}

/** Python's "error: …" line as the error people see; anything else (a bug) with its traceback's end. */
function failOnError(run: { code: number; stderr: string }): void {
  if (run.code === 0) return;
  const message = run.stderr.trim().split('\n').filter((l) => l.startsWith('error: ')).pop();
  if (message) throw new TrainingInputError(message.slice('error: '.length));
  throw new Error(`the Python trainer failed (exit ${run.code}):\n${run.stderr.trim().split('\n').slice(-12).join('\n')}`);
}

async function checkInputs(o: TrainDetectorOptions): Promise<ModelEntry> {
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(o.id)) throw new TrainingInputError(`--id "${o.id}": use lower-case letters, digits, ".", "_" and "-"`);
  if (!existsSync(o.dataset)) throw new TrainingInputError(`--dataset ${o.dataset}: no such folder`);
  if (o.labelMap && !existsSync(o.labelMap)) throw new TrainingInputError(`--label-map ${o.labelMap}: no such file`);
  if (!o.resume) await checkIdIsFree(o.out, o.id);
  else if (existsSync(path.join(o.out, `${o.id}.onnx`))) throw new TrainingInputError(`--resume: ${path.join(o.out, `${o.id}.onnx`)} is finished already; choose another --id`);
  let base: ModelEntry;
  try {
    base = findModel(await loadManifest(o.manifest), o.base);
  } catch (error) {
    if (error instanceof ManifestError) throw new TrainingInputError(`--base ${o.base}: ${error.message}`);
    throw error;
  }
  if (!TRAINABLE_FORMATS.includes(base.format)) {
    throw new TrainingInputError(`--base ${o.base}: a ${base.format} detector; the trainer loads only ${TRAINABLE_FORMATS.join(', ')} models`);
  }
  if (o.classes?.length === 0) throw new TrainingInputError('--classes: empty list');
  return base;
}

/** Largest |onnxruntime − torch| over every output, on the input the trainer saved. */
async function exportParity(file: string, dir: string): Promise<number> {
  const shapes = JSON.parse(await readFile(path.join(dir, 'shapes.json'), 'utf8')) as Record<string, number[]>;
  const read = async (name: string) => {
    const b = await readFile(path.join(dir, `${name}.bin`));
    return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
  };
  const session = await ort.InferenceSession.create(file, { intraOpNumThreads: 2 });
  try {
    const outputs = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', await read('input'), shapes.input!) });
    let worst = 0;
    for (const name of session.outputNames) {
      const expected = await read(name);
      const got = outputs[name]!.data as Float32Array;
      if (got.length !== expected.length) return Infinity;
      for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - expected[i]!));
    }
    return worst;
  } finally {
    await session.release();
  }
}

async function loadsAndRuns(manifestFile: string, id: string): Promise<ModelEntry> {
  const entry = findModel(await loadManifest(manifestFile), id);
  const detector = await createDetector(entry, { threads: 2 });
  try {
    await detector.detectImage(await readFile(path.join(REPO_ROOT, 'samples', 'cache', 'darknet', 'dog.jpg')), 'dog.jpg');
  } finally {
    await detector.close();
  }
  return entry;
}
