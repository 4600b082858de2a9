// What every output decoder consumes and produces. Decoders work in model-input pixels; mapping back
// to the source image (undoing stretch or letterbox) happens once, in the detector, for all families.

/** One output tensor of a session run, as onnxruntime returns it. */
export interface OutputTensor {
  data: Float32Array;
  dims: readonly number[];
}

/** Session outputs by name, in the order the model declares them. */
export type ModelOutputs = Record<string, OutputTensor>;

export interface DecoderSpec {
  /** For messages: the manifest id of the model being decoded. */
  modelId: string;
  inputWidth: number;
  inputHeight: number;
  numClasses: number;
  /** Candidates scoring below this are dropped before NMS (the lowest per-label threshold). */
  minScore: number;
  /** nanodet and yolox: feature strides, smallest first. */
  strides?: number[];
  /** nanodet: bins per box side minus one (NanoDet-m: 10, i.e. 11 bins). */
  regMax?: number;
}

/** A decoded box before NMS, in model-input pixels. */
export interface Candidate {
  classIndex: number;
  score: number;
  box: [number, number, number, number];
}

export type Decoder = (outputs: ModelOutputs, spec: DecoderSpec) => Candidate[];

/**
 * Thrown when a model's outputs do not fit the format its manifest entry declares. The message names
 * the model, the expected shape and the shape found, so a wrong manifest entry is obvious.
 */
export class ModelFormatError extends Error {
  constructor(
    readonly modelId: string,
    message: string,
  ) {
    super(`model ${modelId}: ${message}`);
    this.name = 'ModelFormatError';
  }
}
