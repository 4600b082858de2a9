// Reads the number plate on a vehicle crop for parking evidence, with the PaddleOCR PP-OCRv4
// models the manifest's plate-reader entry declares: a DB text detector finds text lines, a CTC
// recogniser reads each, and only a reading that fits a Chinese plate format is returned. Anything
// else is "unreadable" with the reason, so a case shows why there is no plate rather than nothing.
//
// As in PaddleOCR's own pipeline, a tilted line (a car parked at an angle) is cut out along its
// rotated rectangle and warped level before it is read; every line keeps a margin around it, so
// the province character at its edge is not lost; and a green (new-energy) plate read with 7
// characters has dropped one: it is refused, never passed off as a blue plate's number.
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
import { plateColour } from './plate-colour.ts';
import { growRect, rectCorners, type RotatedRect } from './rotated-rect.ts';
import { findTextBoxes, mergeLineBoxes, PADDLE_DB_DEFAULTS, type TextBox, type TextBoxOptions } from './text-boxes.ts';
import { warpLevel, type RgbImage } from './warp.ts';

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
  /** A green new-energy plate read with 7 characters: one was dropped. */
  | 'dropped character'
  | 'no plate reader'
  | 'read failed';

export interface PlateUnreadable {
  unreadable: UnreadableReason;
  /** What was read, when something was: lets a reviewer see that the reader tried. */
  seen?: string[];
  /** For 'read failed': the error; for 'dropped character': what was read on the green plate. */
  detail?: string;
}

export type PlateReading = PlateRead | PlateUnreadable;

export interface PlateReaderOptions {
  threads?: number;
  /** Readings below this mean character probability are unreadable (default 0.8). */
  minConfidence?: number;
  /**
   * Readings with any character below this probability are unreadable (default 0.5): on rendered
   * plates, wrong reads had their weakest character at 0.26, exact ones mostly above 0.8.
   */
  minCharacterConfidence?: number;
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
/**
 * Margin kept around a text line, in line heights: along the line (the province character at its
 * start is the one a tight crop loses) and across it.
 */
const LINE_MARGIN_ALONG = 0.25;
const LINE_MARGIN_ACROSS = 0.08;
/** A line tilted more than this (radians, about 2.5°) is warped level; less is read upright. */
const MIN_TILT = 0.045;
/** Beyond this tilt (about 35°) or for a line not clearly longer than high, the fitted angle is not trusted. */
const MAX_TILT = 0.6;
const MIN_LINE_ASPECT = 1.5;

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
  const minCharacter = options.minCharacterConfidence ?? 0.5;
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

  const recognise = async (level: RgbImage): Promise<DecodedChar[]> => {
    // PaddleOCR keeps the line's aspect ratio at the recogniser's height and pads short lines with
    // zeros (mid-grey after normalisation) up to the width it was trained at.
    const lineWidth = Math.min(recHeight * 32, Math.max(1, Math.ceil((recHeight * level.width) / level.height)));
    const inputWidth = Math.max(minWidth, lineWidth);
    const line = await rawImage(level.pixels, level.width, level.height).resize(lineWidth, recHeight, { fit: 'fill' }).raw().toBuffer();
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
      const crop: RgbImage = { pixels: rgb, width: region.width, height: region.height };
      const { prob, w, h } = await probabilityMap(rgb, region.width, region.height);
      const found = findTextBoxes(prob, w, h, boxOptions);
      if (found.length === 0) return { unreadable: 'no text found' };
      const scale = { x: region.width / w, y: region.height / h };
      // A plate split at its separator dot shows up as two boxes; try whole lines first, then parts.
      const lines = dedupeLines([...mergeLineBoxes(found), ...found].map((t) => inCrop(t, scale))).slice(0, MAX_LINES);
      const seen: string[] = [];
      const droppedCharacter: string[] = [];
      let best: { text: string; kind: PlateKind; confidence: number; weakest: number; box: Box } | undefined;
      for (const line of lines) {
        if (line.box[2] - line.box[0] < 2 || line.box[3] - line.box[1] < 2) continue;
        const level = await levelLine(crop, line);
        const chars = await recognise(level);
        const text = chars.map((c) => c.char).join('');
        if (text.trim()) seen.push(text);
        const plate = findPlate(chars);
        if (!plate) continue;
        if (plate.kind !== 'new-energy' && plateColour(level) === 'green') {
          droppedCharacter.push(plate.text);
          continue;
        }
        if (!best || plate.confidence > best.confidence) best = { ...plate, box: line.box };
      }
      if (!best && droppedCharacter.length) {
        return { unreadable: 'dropped character', seen, detail: `a green new-energy plate has 8 characters, read 7: ${droppedCharacter.join(', ')}` };
      }
      if (!best) return seen.length ? { unreadable: 'text is not a plate', seen } : { unreadable: 'no text found' };
      // One doubtful character (a blurred province character read as another province) makes a
      // wrong number however sure the others are.
      if (best.confidence < minConfidence || best.weakest < minCharacter) return { unreadable: 'low confidence', seen };
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

/** A text line in crop pixels: its upright box (what a reading reports) and its rotated rectangle. */
interface CropLine {
  box: Box;
  rect?: RotatedRect;
}

/** A detected line, from probability-map pixels (the map is the crop stretched) to crop pixels. */
function inCrop(t: TextBox, scale: { x: number; y: number }): CropLine {
  const box: Box = [t.box[0] * scale.x, t.box[1] * scale.y, t.box[2] * scale.x, t.box[3] * scale.y];
  if (!t.rect) return { box };
  // The stretch is not a rotation: map two corners and refit the rectangle in crop pixels.
  const [tl, tr, , bl] = rectCorners(t.rect);
  const p = (q: readonly [number, number]) => [q[0] * scale.x, q[1] * scale.y] as const;
  const [a, b, d] = [p(tl), p(tr), p(bl)];
  const width = Math.hypot(b[0] - a[0], b[1] - a[1]);
  const height = Math.hypot(d[0] - a[0], d[1] - a[1]);
  const angle = Math.atan2(b[1] - a[1], b[0] - a[0]);
  return { box, rect: { cx: (b[0] + d[0]) / 2, cy: (b[1] + d[1]) / 2, width, height, angle } };
}

/** Drops lines whose box equals (to a pixel) an earlier one's: a line of one box appears in both lists. */
function dedupeLines(lines: CropLine[]): CropLine[] {
  return lines.filter((l, i) => !lines.slice(0, i).some((a) => a.box.every((v, k) => Math.abs(v - l.box[k]!) < 1)));
}

/**
 * The line as the recogniser should see it: level, with a margin. A tilted line is cut along its
 * rotated rectangle and warped level; a level one is cut upright.
 */
async function levelLine(crop: RgbImage, line: CropLine): Promise<RgbImage> {
  const r = line.rect;
  if (r && Math.abs(r.angle) >= MIN_TILT && Math.abs(r.angle) <= MAX_TILT && r.width >= MIN_LINE_ASPECT * r.height) {
    const grown = growRect(r, LINE_MARGIN_ALONG * r.height, LINE_MARGIN_ACROSS * r.height);
    return warpLevel(crop, rectCorners(grown), grown.width, grown.height);
  }
  const [x1, y1, x2, y2] = line.box;
  const lineHeight = y2 - y1;
  const left = Math.max(0, Math.floor(x1 - LINE_MARGIN_ALONG * lineHeight));
  const top = Math.max(0, Math.floor(y1 - LINE_MARGIN_ACROSS * lineHeight));
  const right = Math.min(crop.width, Math.ceil(x2 + LINE_MARGIN_ALONG * lineHeight));
  const bottom = Math.min(crop.height, Math.ceil(y2 + LINE_MARGIN_ACROSS * lineHeight));
  const width = Math.max(1, right - left);
  const height = Math.max(1, bottom - top);
  const pixels = await rawImage(crop.pixels, crop.width, crop.height).extract({ left, top, width, height }).raw().toBuffer();
  return { pixels: new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.length), width, height };
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
