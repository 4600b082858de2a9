// Reads the number plate on a vehicle crop for parking evidence, with the PaddleOCR PP-OCRv4
// models the manifest's plate-reader entry declares: a DB text detector finds text lines, a CTC
// recogniser reads each, and only a reading that fits a Chinese plate format is returned. Anything
// else is "unreadable" with the reason, so a case shows why there is no plate rather than nothing.
import ort from 'onnxruntime-node';
import type { Sharp } from 'sharp';
import type { Box, Frame } from '../../contracts/types.ts';
import type { InputSpec, PlateReaderEntry } from '../../models/manifest.ts';
import { cropRegion, openRaw, toRawImage, type RawImage } from '../detect/crop.ts';
import { readVerifiedModel } from '../../models/model-file.ts';
import { ModelFormatError } from '../detect/decoders/types.ts';
import { openModelSession, type SessionSettings } from '../detect/onnx-session.ts';
import { toTensor } from '../detect/preprocess.ts';
import { ctcGreedy, paddleCharset, type DecodedChar } from './ctc.ts';
import { findPlate, type PlateKind } from './plate-format.ts';
import { findTextBoxes, mergeLineBoxes, PADDLE_DB_DEFAULTS, type TextBox, type TextBoxOptions } from './text-boxes.ts';

export interface PlateRead {
  /** Without separators: 京A12345. */
  text: string;
  kind: PlateKind;
  /** Mean recogniser probability of the plate's characters, 0..1. */
  confidence: number;
  /** Where the plate text is, in pixels of the image passed in. */
  box: Box;
  modelId: string;
  /** sha256 of the recogniser file, the model that read the text. */
  modelSha256: string;
}

export type UnreadableReason =
  | 'crop too small'
  | 'no text found'
  | 'text is not a plate'
  | 'low confidence'
  | 'no plate reader'
  | 'read failed';

export interface PlateUnreadable {
  unreadable: UnreadableReason;
  /** What was read, when something was: lets a reviewer see that the reader tried. */
  seen?: string[];
  /** For 'read failed': the error. */
  detail?: string;
}

export type PlateReading = PlateRead | PlateUnreadable;

export interface PlateReaderOptions {
  threads?: number;
  /** Readings below this mean character probability are unreadable (default 0.8). */
  minConfidence?: number;
  textBoxes?: Partial<TextBoxOptions>;
}

export interface PlateReader {
  readonly model: PlateReaderEntry;
  /** `box` is the vehicle (in pixels of `image`); the whole image when absent. */
  readPlate(image: Frame | RawImage | Buffer, box?: Box): Promise<PlateReading>;
  close(): Promise<void>;
}

/** Below this many pixels on a side there is no legible plate in a crop. */
const MIN_CROP_SIDE = 16;
/** Text lines tried per crop: a vehicle has a plate and perhaps a few stickers or signs. */
const MAX_LINES = 12;

// PaddleOCR's preprocessing, part of what `format: paddleocr` means. Both models read BGR (PaddleOCR
// decodes with OpenCV); the detector uses ImageNet statistics in that channel order.
const DET_INPUT: Omit<InputSpec, 'width' | 'height'> = {
  layout: 'NCHW', channels: 'BGR', resize: 'stretch', padValue: 0,
  scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225],
};
const REC_INPUT: Omit<InputSpec, 'width' | 'height'> = {
  layout: 'NCHW', channels: 'BGR', resize: 'stretch', padValue: 0,
  scale: 1 / 255, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5],
};

export async function createPlateReader(model: PlateReaderEntry, options: PlateReaderOptions = {}): Promise<PlateReader> {
  const sessionOptions: SessionSettings = options.threads !== undefined ? { threads: options.threads } : {};
  const charset = paddleCharset(new TextDecoder().decode(await readVerifiedModel({ id: model.id, ...model.dictionary })));
  const detector = await openSession(model, 'textDetector', sessionOptions);
  const recognizer = await openSession(model, 'textRecognizer', sessionOptions).catch(async (error: unknown) => {
    await detector.release();
    throw error;
  });
  const minConfidence = options.minConfidence ?? 0.8;
  const boxOptions = { ...PADDLE_DB_DEFAULTS, ...options.textBoxes };
  const { maxSide, minSide } = model.textDetector;
  const { height: recHeight, minWidth } = model.textRecognizer;

  const probabilityMap = async (rgb: Buffer, width: number, height: number): Promise<{ prob: Float32Array; w: number; h: number }> => {
    const long = Math.max(width, height);
    const scale = long > maxSide ? maxSide / long : long < minSide ? minSide / long : 1;
    // The DB backbone downsamples by 32: both sides must be multiples of it.
    const w = Math.max(32, Math.round((width * scale) / 32) * 32);
    const h = Math.max(32, Math.round((height * scale) / 32) * 32);
    const resized = await rawImage(rgb, width, height).resize(w, h, { fit: 'fill' }).raw().toBuffer();
    const input = new ort.Tensor('float32', toTensor(resized, { ...DET_INPUT, width: w, height: h }), [1, 3, h, w]);
    const out = (await detector.run({ [detector.inputNames[0]!]: input }))[detector.outputNames[0]!] as ort.Tensor;
    if (out.dims.length !== 4 || out.dims[2] !== h || out.dims[3] !== w) {
      throw new ModelFormatError(model.id, `text detector gave [${out.dims.join(',')}] for a ${w}x${h} input, expected [1,1,${h},${w}]`);
    }
    return { prob: out.data as Float32Array, w, h };
  };

  const recognise = async (rgb: Buffer, width: number, height: number, box: Box): Promise<DecodedChar[]> => {
    const left = Math.floor(box[0]);
    const top = Math.floor(box[1]);
    const cw = Math.min(width, Math.ceil(box[2])) - left;
    const ch = Math.min(height, Math.ceil(box[3])) - top;
    // PaddleOCR keeps the line's aspect ratio at the recogniser's height and pads short lines with
    // zeros (mid-grey after normalisation) up to the width it was trained at.
    const lineWidth = Math.min(recHeight * 32, Math.max(1, Math.ceil((recHeight * cw) / ch)));
    const inputWidth = Math.max(minWidth, lineWidth);
    const line = await rawImage(rgb, width, height)
      .extract({ left, top, width: cw, height: ch })
      .resize(lineWidth, recHeight, { fit: 'fill' })
      .raw()
      .toBuffer();
    const lineTensor = toTensor(line, { ...REC_INPUT, width: lineWidth, height: recHeight });
    const tensor = new Float32Array(3 * recHeight * inputWidth);
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < recHeight; y++) {
        const from = (c * recHeight + y) * lineWidth;
        tensor.set(lineTensor.subarray(from, from + lineWidth), (c * recHeight + y) * inputWidth);
      }
    }
    const input = new ort.Tensor('float32', tensor, [1, 3, recHeight, inputWidth]);
    const out = (await recognizer.run({ [recognizer.inputNames[0]!]: input }))[recognizer.outputNames[0]!] as ort.Tensor;
    return ctcGreedy(out.data as Float32Array, out.dims[1]!, out.dims[2]!, charset);
  };

  const reader: PlateReader = {
    model,
    async readPlate(image, box) {
      const raw = await toRawImage(image, 'plate image');
      const region = cropRegion(box, raw.width, raw.height);
      if (region.width < MIN_CROP_SIDE || region.height < MIN_CROP_SIDE) return { unreadable: 'crop too small' };
      const rgb = await openRaw(raw).extract(region).raw().toBuffer();
      const { prob, w, h } = await probabilityMap(rgb, region.width, region.height);
      const found = findTextBoxes(prob, w, h, boxOptions);
      if (found.length === 0) return { unreadable: 'no text found' };
      const sx = region.width / w;
      const sy = region.height / h;
      const toCrop = (t: TextBox): Box => [t.box[0] * sx, t.box[1] * sy, t.box[2] * sx, t.box[3] * sy];
      // A plate split at its separator dot shows up as two boxes; try whole lines first, then parts.
      const lines = dedupeBoxes([...mergeLineBoxes(found), ...found].map(toCrop)).slice(0, MAX_LINES);
      const seen: string[] = [];
      let best: { text: string; kind: PlateKind; confidence: number; box: Box } | undefined;
      for (const line of lines) {
        if (line[2] - line[0] < 2 || line[3] - line[1] < 2) continue;
        const chars = await recognise(rgb, region.width, region.height, line);
        const text = chars.map((c) => c.char).join('');
        if (text.trim()) seen.push(text);
        const plate = findPlate(chars);
        if (plate && (!best || plate.confidence > best.confidence)) best = { ...plate, box: line };
      }
      if (!best) return seen.length ? { unreadable: 'text is not a plate', seen } : { unreadable: 'no text found' };
      if (best.confidence < minConfidence) return { unreadable: 'low confidence', seen };
      return {
        text: best.text,
        kind: best.kind,
        confidence: best.confidence,
        box: [best.box[0] + region.left, best.box[1] + region.top, best.box[2] + region.left, best.box[3] + region.top],
        modelId: model.id,
        modelSha256: model.textRecognizer.sha256,
      };
    },
    async close() {
      await Promise.all([detector.release(), recognizer.release()]);
    },
  };

  // Prove at start-up that the files are the models the entry says: the detector keeps its input
  // size, and the recogniser has exactly one class per dictionary character (+ blank, + space).
  try {
    await probabilityMap(Buffer.alloc(64 * 64 * 3), 64, 64);
    const blank = new ort.Tensor('float32', new Float32Array(3 * recHeight * minWidth), [1, 3, recHeight, minWidth]);
    const out = (await recognizer.run({ [recognizer.inputNames[0]!]: blank }))[recognizer.outputNames[0]!] as ort.Tensor;
    if (out.dims.length !== 3 || out.dims[2] !== charset.length) {
      throw new ModelFormatError(
        model.id,
        `text recogniser outputs [${out.dims.join(',')}], but the dictionary needs ${charset.length} classes (blank + ${charset.length - 2} characters + space)`,
      );
    }
  } catch (error) {
    await reader.close();
    throw error;
  }
  return reader;
}

function openSession(model: PlateReaderEntry, part: 'textDetector' | 'textRecognizer', settings: SessionSettings): Promise<ort.InferenceSession> {
  return openModelSession({ id: model.id, ...model[part] }, settings, part);
}

function rawImage(rgb: Uint8Array, width: number, height: number): Sharp {
  return openRaw({ pixels: rgb, width, height });
}

/** Drops boxes equal (to a pixel) to an earlier one: a line of one box appears in both lists. */
function dedupeBoxes(boxes: Box[]): Box[] {
  return boxes.filter((b, i) => !boxes.slice(0, i).some((a) => a.every((v, k) => Math.abs(v - b[k]!) < 1)));
}

/**
 * For evidence and cases: always a reading, never an exception, so a parking case gets a plate
 * field whether the plate was read, could not be, or no reader is installed.
 */
export async function readPlateOrSayWhy(
  reader: PlateReader | undefined,
  image: Frame | RawImage | Buffer,
  box?: Box,
): Promise<PlateReading> {
  if (!reader) return { unreadable: 'no plate reader' };
  try {
    return await reader.readPlate(image, box);
  } catch (error) {
    return { unreadable: 'read failed', detail: (error as Error).message };
  }
}

/**
 * A reading as detection/case attributes, so every consumer stores it the same way:
 * `plate` is the text or "unreadable", with `plateConfidence` or `plateUnreadable` (the reason).
 */
export function plateAttributes(reading: PlateReading): Record<string, string | number> {
  if ('unreadable' in reading) return { plate: 'unreadable', plateUnreadable: reading.unreadable };
  return {
    plate: reading.text,
    plateConfidence: Math.round(reading.confidence * 1000) / 1000,
    plateModelId: reading.modelId,
    plateModelSha256: reading.modelSha256,
  };
}
