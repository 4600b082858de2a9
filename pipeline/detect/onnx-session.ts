// Opening a model file the manifest pinned, the same way for detectors, classifiers and the plate
// reader: its sha256 checked first, then one onnxruntime session with the configured threads and
// graph optimisation; a file onnxruntime cannot load is a ModelFormatError naming model and file.
import ort from 'onnxruntime-node';
import { readVerifiedModel, type ModelFileRef } from '../../models/model-file.ts';
import { ModelFormatError } from './decoders/types.ts';

export interface SessionSettings {
  /** Threads for one inference (onnxruntime intra-op); its default uses every core. */
  threads?: number;
  graphOptimization?: 'disabled' | 'basic' | 'extended' | 'all';
}

/** `part` names which file of a multi-file model failed (e.g. "textDetector"). */
export async function openModelSession(file: ModelFileRef, settings: SessionSettings = {}, part?: string): Promise<ort.InferenceSession> {
  const bytes = await readVerifiedModel(file);
  const options: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: settings.graphOptimization ?? 'all' };
  if (settings.threads !== undefined) options.intraOpNumThreads = settings.threads;
  try {
    return await ort.InferenceSession.create(bytes, options);
  } catch (error) {
    throw new ModelFormatError(file.id, `${part ? `${part} ` : ''}${file.file} is not a loadable ONNX model (${(error as Error).message})`);
  }
}
