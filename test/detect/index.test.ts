import { describe, expect, it } from 'vitest';
import { decodeEndToEnd } from '../../pipeline/detect/decoders/end-to-end.ts';
import { decoderFor, isModelFormat, modelFormats, type ModelFormat } from '../../pipeline/detect/decoders/index.ts';
import { decodeNanodet } from '../../pipeline/detect/decoders/nanodet.ts';
import { decodeYolov5 } from '../../pipeline/detect/decoders/yolov5.ts';
import { decodeYolov8 } from '../../pipeline/detect/decoders/yolov8.ts';
import { decodeYolox } from '../../pipeline/detect/decoders/yolox.ts';

describe('decoderFor', () => {
  it('maps each format to its decoder', () => {
    expect(decoderFor('nanodet')).toBe(decodeNanodet);
    expect(decoderFor('yolov5')).toBe(decodeYolov5);
    expect(decoderFor('yolov8')).toBe(decodeYolov8);
    expect(decoderFor('end-to-end')).toBe(decodeEndToEnd);
    expect(decoderFor('yolox')).toBe(decodeYolox);
    expect([...modelFormats].sort()).toEqual(['end-to-end', 'nanodet', 'yolov5', 'yolov8', 'yolox']);
  });

  it('lists the known formats for an unknown one, including inherited property names', () => {
    expect(() => decoderFor('yolov7' as ModelFormat)).toThrow(
      /unknown model output format "yolov7"; known formats: nanodet, yolov5, yolov8, end-to-end, yolox/,
    );
    expect(() => decoderFor('toString' as ModelFormat)).toThrow(/unknown/);
    expect(isModelFormat('constructor')).toBe(false);
    expect(isModelFormat('yolox')).toBe(true);
  });
});
