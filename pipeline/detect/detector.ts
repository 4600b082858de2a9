// A detector built from one manifest entry: one onnxruntime session, reused for every image,
// wrapped by the preprocessing and decoding the entry declares. Images in, `Detection`s in source
// pixels out; nothing model-specific leaks past this file.
import ort from 'onnxruntime-node';
import sharp, { type Sharp } from 'sharp';
import type { Detection, Frame } from '../../contracts/types.ts';
import type { ModelEntry } from '../../models/manifest.ts';
import { decoderFor } from './decoders/index.ts';
import { ModelFormatError, type DecoderSpec, type ModelOutputs } from './decoders/types.ts';
import { planResize, toSourceBox } from './geometry.ts';
import { checkImage, DEFAULT_MAX_PIXELS, ImageInputError } from './image-input.ts';
import { nms } from './nms.ts';
import { openModelSession } from './onnx-session.ts';
import { prepareInput, tensorDims, toTensor, type PreparedInput } from './preprocess.ts';
import { DEFAULT_THRESHOLDS, thresholdsByClass, type ScoreThresholds } from './thresholds.ts';

export interface DetectorOptions {
  /** Threads for one inference (onnxruntime intra-op); its default uses every core. */
  threads?: number;
  graphOptimization?: 'disabled' | 'basic' | 'extended' | 'all';
  thresholds?: ScoreThresholds;
  /** Boxes of one label overlapping more than this are the same object. */
  iouThreshold?: number;
  maxDetections?: number;
  /** Images above this many pixels are refused (see image-input.ts). */
  maxPixels?: number;
}

/** Milliseconds per stage of one detect() call, so benchmarks and metrics can say where time goes. */
export interface StageTimings {
  /** Decode and resize into the input tensor (one sharp pipeline). */
  prepareMs: number;
  inferenceMs: number;
  /** Turning output tensors into candidate boxes. */
  decodeMs: number;
  nmsMs: number;
}

export interface ImageDetections {
  width: number;
  height: number;
  detections: Detection[];
  timings: StageTimings;
}

export interface Detector {
  readonly model: ModelEntry;
  /** Encoded image bytes (JPEG, PNG, …); `source` names them in errors. */
  detectImage(bytes: Buffer, source: string): Promise<ImageDetections>;
  /** A decoded camera or drone frame (raw RGB). */
  detectFrame(frame: Frame): Promise<ImageDetections>;
  /**
   * Several frames (survey tiles, frames of several cameras), `maxBatch` per session.run; results in
   * the frames' order, each exactly what detectFrame gives for it.
   */
  detectFrames(frames: readonly Frame[]): Promise<ImageDetections[]>;
  /** Images per session.run: the manifest's input.maxBatch, 1 when it declares none. */
  readonly maxBatch: number;
  /** The bare model call on a prepared input tensor (`batch` images back to back), for benchmarks. */
  runTensor(tensor: Float32Array, batch?: number): Promise<ModelOutputs>;
  close(): Promise<void>;
}

export async function createDetector(model: ModelEntry, options: DetectorOptions = {}): Promise<Detector> {
  const byClass = thresholdsByClass(options.thresholds ?? DEFAULT_THRESHOLDS, model.labels, model.id);
  const session = await openModelSession(model, {
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
    ...(options.graphOptimization ? { graphOptimization: options.graphOptimization } : {}),
  });
  const inputName = resolveInputName(model, session);
  const maxBatch = model.input.maxBatch ?? 1;
  const dims = tensorDims(model.input);
  const decode = decoderFor(model.format);
  const spec: DecoderSpec = {
    modelId: model.id,
    inputWidth: model.input.width,
    inputHeight: model.input.height,
    numClasses: model.labels.length,
    minScore: Math.min(...byClass),
    ...(model.output.strides ? { strides: model.output.strides } : {}),
    ...(model.output.regMax ? { regMax: model.output.regMax } : {}),
  };
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;

  const runTensor = async (tensor: Float32Array, batch = 1): Promise<ModelOutputs> => {
    const results = await session.run({ [inputName]: new ort.Tensor('float32', tensor, [batch, ...dims.slice(1)]) });
    const outputs: ModelOutputs = {};
    for (const name of session.outputNames) {
      const value = results[name] as ort.Tensor;
      if (value.type !== 'float32') {
        throw new ModelFormatError(model.id, `output "${name}" is ${value.type}, expected float32`);
      }
      outputs[name] = { data: value.data as Float32Array, dims: value.dims };
    }
    return outputs;
  };

  // A frame already at the model's size (a survey tile) needs no resampling: skip sharp.
  const prepare = (image: Sharp, width: number, height: number, rgb?: Uint8Array): Promise<PreparedInput> | PreparedInput =>
    rgb && width === model.input.width && height === model.input.height
      ? { tensor: toTensor(rgb, model.input), dims, transform: planResize(width, height, width, height, model.input.resize) }
      : prepareInput(image, width, height, model.input);

  /** Candidates of one image's outputs to detections in its source pixels. */
  const finish = (outputs: ModelOutputs, prepared: PreparedInput, width: number, height: number, before: Pick<StageTimings, 'prepareMs' | 'inferenceMs'>): ImageDetections => {
    let t = performance.now();
    const candidates = decode(outputs, spec).filter((c) => c.score >= byClass[c.classIndex]!);
    const decodeMs = performance.now() - t;

    t = performance.now();
    const kept = nms(candidates, options.iouThreshold ?? 0.45, options.maxDetections ?? 300);
    const nmsMs = performance.now() - t;

    const detections: Detection[] = kept.map((c) => ({
      label: model.labels[c.classIndex]!,
      score: c.score,
      box: toSourceBox(c.box, prepared.transform),
      modelId: model.id,
      modelSha256: model.sha256,
    }));
    return { width, height, detections, timings: { ...before, decodeMs, nmsMs } };
  };

  const detect = async (image: Sharp, width: number, height: number, rgb?: Uint8Array): Promise<ImageDetections> => {
    let t = performance.now();
    const prepared = await prepare(image, width, height, rgb);
    const prepareMs = performance.now() - t;
    t = performance.now();
    const outputs = await runTensor(prepared.tensor);
    return finish(outputs, prepared, width, height, { prepareMs, inferenceMs: performance.now() - t });
  };

  const rawFrame = (frame: Frame): Sharp => sharp(frame.pixels, { raw: { width: frame.width, height: frame.height, channels: 3 } });

  /** One session.run over frames.length <= maxBatch frames; the run's time is shared out evenly. */
  const detectBatch = async (frames: readonly Frame[]): Promise<ImageDetections[]> => {
    if (frames.length === 1) return [await detect(rawFrame(frames[0]!), frames[0]!.width, frames[0]!.height, frames[0]!.pixels)];
    let t = performance.now();
    const prepared = await Promise.all(frames.map((f) => prepare(rawFrame(f), f.width, f.height, f.pixels)));
    const prepareMs = (performance.now() - t) / frames.length;
    const per = prepared[0]!.tensor.length;
    const batch = new Float32Array(per * frames.length);
    prepared.forEach((p, i) => batch.set(p.tensor, i * per));
    t = performance.now();
    const outputs = splitBatch(await runTensor(batch, frames.length), frames.length, model.id);
    const inferenceMs = (performance.now() - t) / frames.length;
    return frames.map((f, i) => finish(outputs[i]!, prepared[i]!, f.width, f.height, { prepareMs, inferenceMs }));
  };

  const detector: Detector = {
    model,
    async detectImage(bytes, source) {
      const image = await checkImage(bytes, source, maxPixels);
      try {
        return await detect(image.open(), image.width, image.height);
      } catch (error) {
        // The header was fine; only a full decode finds a truncated or corrupt body.
        if (isSharpDecodeError(error)) {
          throw new ImageInputError(source, `corrupt or truncated image data (${(error as Error).message.split('\n')[0]})`);
        }
        throw error;
      }
    },
    detectFrame(frame) {
      return detect(rawFrame(frame), frame.width, frame.height, frame.pixels);
    },
    async detectFrames(frames) {
      const results: ImageDetections[] = [];
      for (let i = 0; i < frames.length; i += maxBatch) results.push(...(await detectBatch(frames.slice(i, i + maxBatch))));
      return results;
    },
    maxBatch,
    runTensor,
    close: () => session.release(),
  };

  // One run on a blank input proves the outputs fit the declared format before any real image
  // arrives, and warms the session so the first camera frame is not slow.
  try {
    decode(await runTensor(new Float32Array(dims.reduce((a, b) => a * b, 1))), spec);
    // A declared batch is proved the same way (two images show the batch axis works and is first).
    if (maxBatch > 1) {
      const full = await runTensor(new Float32Array(2 * dims.reduce((a, b) => a * b, 1)), 2);
      for (const item of splitBatch(full, 2, model.id)) decode(item, spec);
    }
  } catch (error) {
    await session.release();
    throw error;
  }
  return detector;
}

function resolveInputName(model: ModelEntry, session: ort.InferenceSession): string {
  const names = session.inputNames;
  if (model.input.name !== undefined) {
    if (!names.includes(model.input.name)) {
      throw new ModelFormatError(model.id, `has no input "${model.input.name}" (inputs: ${names.join(', ')})`);
    }
    return model.input.name;
  }
  if (names.length !== 1) {
    throw new ModelFormatError(model.id, `has ${names.length} inputs (${names.join(', ')}); name one in input.name`);
  }
  const meta = session.inputMetadata[0];
  const expected = tensorDims(model.input);
  if (meta && meta.isTensor) {
    const shape = meta.shape;
    if ((model.input.maxBatch ?? 1) > 1 && typeof shape[0] === 'number') {
      throw new ModelFormatError(
        model.id,
        `input "${names[0]}" has a fixed batch of ${shape[0]}, but the manifest declares input.maxBatch ${model.input.maxBatch}: export the model with a dynamic batch axis or drop maxBatch`,
      );
    }
    const fits = shape.length === 4 && shape.every((d, i) => typeof d !== 'number' || d === expected[i]);
    if (!fits) {
      throw new ModelFormatError(
        model.id,
        `input "${names[0]}" has shape [${shape.join(',')}], but the manifest declares [${expected.join(',')}]`,
      );
    }
  }
  return names[0]!;
}

/** Batched outputs [B, ...] to one ModelOutputs per image, shaped [1, ...] as the decoders expect. */
export function splitBatch(outputs: ModelOutputs, batch: number, modelId: string): ModelOutputs[] {
  const items: ModelOutputs[] = Array.from({ length: batch }, () => ({}));
  for (const [name, t] of Object.entries(outputs)) {
    if (t.dims[0] !== batch) {
      throw new ModelFormatError(modelId, `output "${name}" has shape [${t.dims.join(',')}] for a batch of ${batch}: its first axis is not the batch`);
    }
    const per = t.data.length / batch;
    items.forEach((item, i) => (item[name] = { data: t.data.subarray(i * per, (i + 1) * per), dims: [1, ...t.dims.slice(1)] }));
  }
  return items;
}

function isSharpDecodeError(error: unknown): boolean {
  return error instanceof Error && /VipsJpeg|VipsPng|premature|truncated|corrupt|Input buffer|read error/i.test(error.message);
}
