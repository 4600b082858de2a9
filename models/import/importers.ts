// The converters set-up may run for a manifest entry's `generatedBy.importer`. Each turns a model
// shipped in an npm package into the ONNX file the entry declares.
import { convertNanodet } from './nanodet.ts';
import { convertNanodetEmbedder } from './nanodet-embedder.ts';
import type { ConvertedModel } from './tfjs-to-onnx.ts';

export const importers: Record<string, (sourcePath: string) => Promise<ConvertedModel>> = {
  'tfjs-nanodet': (source) => convertNanodet(source),
  'tfjs-nanodet-backbone': (source) => convertNanodetEmbedder(source),
};
