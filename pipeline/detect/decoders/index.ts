// Picks the output decoder for a manifest entry's declared format. The format is data (it comes from
// the manifest), so an unknown one is caught here at runtime with the list of what is supported.

import { decodeEndToEnd } from './end-to-end.ts';
import { decodeNanodet } from './nanodet.ts';
import type { Decoder } from './types.ts';
import { decodeYolov5 } from './yolov5.ts';
import { decodeYolov8 } from './yolov8.ts';
import { decodeYolox } from './yolox.ts';

export type ModelFormat = 'nanodet' | 'yolov5' | 'yolov8' | 'end-to-end' | 'yolox';

const decoders: Readonly<Record<ModelFormat, Decoder>> = {
  nanodet: decodeNanodet,
  yolov5: decodeYolov5,
  yolov8: decodeYolov8,
  'end-to-end': decodeEndToEnd,
  yolox: decodeYolox,
};

/** Every supported format, for manifest validation and messages. */
export const modelFormats = Object.keys(decoders) as readonly ModelFormat[];

export function isModelFormat(value: unknown): value is ModelFormat {
  return typeof value === 'string' && Object.hasOwn(decoders, value);
}

export function decoderFor(format: ModelFormat): Decoder {
  if (!isModelFormat(format)) {
    throw new Error(`unknown model output format "${String(format)}"; known formats: ${modelFormats.join(', ')}`);
  }
  return decoders[format];
}
