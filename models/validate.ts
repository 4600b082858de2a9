// `npm run models -- validate`: checks an ONNX file against the format someone is about to declare
// for it, before it is deployed. Everything a worker would check when it loads the model is checked
// here the same way (the manifest's field checks, the sha256, the decoder's output shapes on a blank
// input), then one real inference runs and the latency is measured.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import ort from 'onnxruntime-node';
import sharp from 'sharp';
import { createClassifier, type Classification } from '../pipeline/classify/classifier.ts';
import { ModelFormatError } from '../pipeline/detect/decoders/types.ts';
import { createDetector } from '../pipeline/detect/detector.ts';
import { prepareInput } from '../pipeline/detect/preprocess.ts';
import { parseManifest, type ClassifierEntry, type ModelEntry } from './manifest.ts';

/** Smoke-run detections at or above this score are reported. */
export const SMOKE_REPORT_SCORE = 0.25;

export interface ValidateRequest {
  file: string;
  /** A detector output format (nanodet, yolov5, yolov8, yolox, end-to-end) or "classifier". */
  format: string;
  /** The labels file, one per line in class order. */
  labels: string;
  /** The manifest `input` fields to check with (width/height are read from the model when fixed). */
  input?: Record<string, unknown>;
  /** Classifier only: "softmax" (logits) or "none" (probabilities). */
  activation?: string;
  /** Image for the smoke inference; a synthetic street-coloured picture when absent. */
  image?: Buffer;
  runs?: number;
  threads?: number;
}

export interface TensorInfo {
  name: string;
  type: string;
  shape: Array<number | string>;
}

export interface ValidationReport {
  file: string;
  sha256: string;
  bytes: number;
  format: string;
  labels: number;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  /** The input the checks used, as a manifest `input` would say it. */
  input: { width: number; height: number; layout: string };
  smoke: { detections?: Array<{ label: string; score: number }>; classification?: Classification };
  /** Bare session.run, median and spread over `runs` runs after one warm-up. */
  latencyMs: { median: number; min: number; max: number; runs: number };
  /** Text to paste into a manifest (file, sha256 and labels paths to be adjusted). */
  manifestEntry: Record<string, unknown>;
}

/** Validation failed: the message says what is wrong, in terms of the declared format. */
export class ModelValidationError extends Error {
  override name = 'ModelValidationError';
}

export async function validateModel(request: ValidateRequest): Promise<ValidationReport> {
  const file = path.resolve(request.file);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new ModelValidationError(`${file}: cannot read (${(error as Error).message})`);
  }
  if (bytes.length === 0) throw new ModelValidationError(`${file}: empty file (0 bytes)`);
  const sha256 = createHash('sha256').update(bytes).digest('hex');

  // Opened once here to read the declared inputs and outputs; the checked session comes later.
  let inputs: TensorInfo[];
  let outputs: TensorInfo[];
  try {
    const session = await ort.InferenceSession.create(bytes);
    inputs = session.inputMetadata.map(info);
    outputs = session.outputMetadata.map(info);
    await session.release();
  } catch (error) {
    throw new ModelValidationError(
      `${file}: not an ONNX model onnxruntime can load (truncated, or another kind of file): ${firstLine(error)}`,
    );
  }
  const input = inputSpec(file, inputs, request.input ?? {});
  const id = 'candidate';
  const raw = {
    id, version: '0', kind: request.format === 'classifier' ? 'classifier' : 'detector',
    ...(request.format === 'classifier'
      ? { output: { activation: request.activation ?? 'softmax' }, attribute: 'value', appliesTo: ['object'] }
      : { format: request.format }),
    file, sha256,
    input: { ...request.input, ...input },
    labels: path.resolve(request.labels),
    source: 'models validate', licence: 'unknown',
  };
  // The same field checks a manifest gets; the message names the field that is wrong.
  const declared = request.format === 'classifier' ? { models: [raw] } : { defaultDetector: id, models: [raw] };
  const manifest = await parseManifest(declared, `${file} (as declared on the command line)`).catch(
    (error: Error) => {
      throw new ModelValidationError(error.message.replace(/models\[0\] \(candidate\) /, ''));
    },
  );
  const runs = request.runs ?? 5;
  const image = request.image ?? (await syntheticImage());
  const manifestEntry: Record<string, unknown> = { ...raw, id: path.basename(file, '.onnx').toLowerCase().replace(/[^a-z0-9._-]/g, '-') };
  if (request.format === 'classifier') {
    // Validation needs none of these; the entry must say them.
    Object.assign(manifestEntry, { attribute: '<attribute, e.g. cover>', appliesTo: ['<detector label, e.g. truck>'] });
  }
  const base = {
    file, sha256, bytes: bytes.length, format: request.format, inputs, outputs,
    input: { width: input.width, height: input.height, layout: input.layout }, manifestEntry,
  };
  try {
    if (request.format === 'classifier') {
      const entry = manifest.entries[0] as ClassifierEntry;
      const classifier = await createClassifier(entry, withThreads(request.threads));
      try {
        const decoded = await sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
        const raw = { width: decoded.info.width, height: decoded.info.height, pixels: decoded.data };
        const classification = (await classifier.classifyBox(raw, [0, 0, raw.width, raw.height]))!;
        const tensor = (await prepareInput(sharp(image), raw.width, raw.height, entry.input)).tensor;
        const latencyMs = await measure(() => classifier.runTensor(tensor), runs);
        return { ...base, labels: entry.labels.length, smoke: { classification }, latencyMs };
      } finally {
        await classifier.close();
      }
    }
    const entry = manifest.models[0] as ModelEntry;
    // Threshold 0 on purpose: every output row goes through the decoder, so an end-to-end model
    // whose class indices do not fit the labels is caught even when it finds nothing in the image.
    const detector = await createDetector(entry, { ...withThreads(request.threads), thresholds: { default: 0 } });
    try {
      const found = await detector.detectImage(image, 'smoke image');
      const { width, height } = found;
      const detections = found.detections.filter((d) => d.score >= SMOKE_REPORT_SCORE);
      const tensor = (await prepareInput(sharp(image), width, height, entry.input)).tensor;
      const latencyMs = await measure(() => detector.runTensor(tensor), runs);
      return {
        ...base,
        labels: entry.labels.length,
        smoke: { detections: detections.slice(0, 5).map((d) => ({ label: d.label, score: Math.round(d.score * 1000) / 1000 })) },
        latencyMs,
      };
    } finally {
      await detector.close();
    }
  } catch (error) {
    if (error instanceof ModelFormatError) {
      throw new ModelValidationError(`${file}: does not fit --format ${request.format} with ${path.basename(request.labels)}: ${error.message.replace(/^model candidate: /, '')}`);
    }
    throw error;
  }
}

/** Width, height and layout from the model's own input shape, checked against what was declared. */
function inputSpec(file: string, inputs: TensorInfo[], declared: Record<string, unknown>): { width: number; height: number; layout: 'NCHW' | 'NHWC' } {
  const name = typeof declared.name === 'string' ? declared.name : undefined;
  const chosen = name ? inputs.find((i) => i.name === name) : inputs.length === 1 ? inputs[0] : undefined;
  if (!chosen) {
    throw new ModelValidationError(
      `${file}: ${name ? `has no input "${name}"` : `has ${inputs.length} inputs`} (${inputs.map((i) => `${i.name} [${i.shape.join(',')}]`).join(', ')}); a detector takes one image`,
    );
  }
  const shape = chosen.shape;
  if (shape.length !== 4) throw new ModelValidationError(`${file}: input ${chosen.name} is [${shape.join(',')}], not an image batch [1,3,H,W] or [1,H,W,3]`);
  const layout = declared.layout === 'NHWC' || declared.layout === 'NCHW' ? declared.layout : shape[3] === 3 && shape[1] !== 3 ? 'NHWC' : 'NCHW';
  const [hAxis, wAxis, cAxis] = layout === 'NCHW' ? [2, 3, 1] : [1, 2, 3];
  if (typeof shape[cAxis] === 'number' && shape[cAxis] !== 3) {
    throw new ModelValidationError(`${file}: input ${chosen.name} [${shape.join(',')}] does not have 3 colour channels in ${layout} order`);
  }
  const side = (axis: number, key: 'width' | 'height'): number => {
    const fromModel = shape[axis];
    const given = declared[key];
    if (typeof fromModel === 'number' && fromModel > 0) {
      if (typeof given === 'number' && given !== fromModel) {
        throw new ModelValidationError(`${file}: input ${chosen.name} is [${shape.join(',')}], but --input declares ${key} ${given}`);
      }
      return fromModel;
    }
    if (typeof given !== 'number') {
      throw new ModelValidationError(`${file}: input ${chosen.name} [${shape.join(',')}] has a dynamic ${key}; give the size it was trained at with --input WxH`);
    }
    return given;
  };
  return { width: side(wAxis, 'width'), height: side(hAxis, 'height'), layout };
}

function info(meta: ort.InferenceSession.ValueMetadata): TensorInfo {
  if (!meta.isTensor) return { name: meta.name, type: 'non-tensor', shape: [] };
  return { name: meta.name, type: meta.type, shape: [...meta.shape] };
}

async function measure(run: () => Promise<unknown>, runs: number): Promise<ValidationReport['latencyMs']> {
  await run();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await run();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  const median = times.length % 2 ? times[mid]! : (times[mid - 1]! + times[mid]!) / 2;
  return { median, min: times[0]!, max: times.at(-1)!, runs };
}

/** A 640x480 picture with a road, a kerb and a few blocks of colour: enough for every layer to see signal. */
async function syntheticImage(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="480">
    <rect width="640" height="480" fill="#8aa9c8"/><rect y="260" width="640" height="220" fill="#555"/>
    <rect y="250" width="640" height="14" fill="#bbb"/><rect x="80" y="190" width="180" height="90" rx="12" fill="#d8d8d8"/>
    <circle cx="120" cy="282" r="20" fill="#222"/><circle cx="220" cy="282" r="20" fill="#222"/>
    <rect x="420" y="150" width="40" height="110" fill="#7a4b2a"/><circle cx="440" cy="135" r="16" fill="#e0b090"/></svg>`;
  return sharp(Buffer.from(svg)).jpeg().toBuffer();
}

function withThreads(threads: number | undefined): { threads?: number } {
  return threads === undefined ? {} : { threads };
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.trim();
}
