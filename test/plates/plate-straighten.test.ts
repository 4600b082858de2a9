// Plates that hold up, with the real PP-OCRv4 models on the truck of darknet's dog.jpg: a plate
// tilted 15° is straightened and read; a green new-energy plate read with 7 characters is refused
// with its reason, not accepted as a blue plate; the plate is read on the sharpest case frame.
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Box, Frame, Violation } from '../../contracts/types.ts';
import { loadManifest } from '../../models/manifest.ts';
import { withPlate } from '../../pipeline/cases/report-violation.ts';
import { createPlateReader, type PlateReader } from '../../pipeline/plates/plate-reader.ts';
import { plateColour } from '../../pipeline/plates/plate-colour.ts';
import { convexHull, minAreaRect, rectCorners } from '../../pipeline/plates/rotated-rect.ts';
import { laplacianVariance } from '../../pipeline/plates/sharpness.ts';
import { warpLevel } from '../../pipeline/plates/warp.ts';
import { distortPlate, PLATE_COLOURS, renderPlate } from '../support/plate-image.ts';
import { samplePath } from '../support/samples.ts';

const TRUCK = { left: 440, top: 60, width: 270, height: 130 };
let reader: PlateReader;
let truck: Buffer;

beforeAll(async () => {
  reader = await createPlateReader((await loadManifest()).plateReader!, { threads: 2 });
  truck = await sharp(await readFile(samplePath('darknet/dog.jpg'))).extract(TRUCK).resize(TRUCK.width * 3).toBuffer();
});
afterAll(() => reader?.close());

/** The enlarged truck with a plate 132 px wide on its side panel, tilted and blurred as asked. */
async function truckWithPlate(text: string, colour: keyof typeof PLATE_COLOURS, tiltDegrees = 0, blurSigma = 0): Promise<Buffer> {
  const plate = await distortPlate(await sharp(await renderPlate(text, PLATE_COLOURS[colour])).resize(132).png().toBuffer(), { tiltDegrees, blurSigma });
  return sharp(truck).composite([{ input: plate, left: 420, top: 240 }]).jpeg({ quality: 90 }).toBuffer();
}

async function frameOf(jpeg: Buffer, at: Date): Promise<Frame> {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  return { sourceId: 'cam-1', capturedAt: at, width: info.width, height: info.height, pixels: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

describe('the rotated box of a text line', () => {
  it('fits the minimum-area rectangle of a tilted line and lays it level', () => {
    // A 100x20 rectangle turned 15° about (200, 100), as the hull of its corners and edge points.
    const a = (15 * Math.PI) / 180;
    const pts: Array<[number, number]> = [];
    for (let u = -50; u <= 50; u += 5) for (const v of [-10, 10]) pts.push([200 + u * Math.cos(a) - v * Math.sin(a), 100 + u * Math.sin(a) + v * Math.cos(a)]);
    const r = minAreaRect(pts);
    expect(r.width).toBeCloseTo(100, 5);
    expect(r.height).toBeCloseTo(20, 5);
    expect(r.angle).toBeCloseTo(a, 5);
    expect([r.cx, r.cy].map((v) => Math.round(v))).toEqual([200, 100]);
    expect(convexHull(pts).length).toBeLessThan(pts.length);
    // Warping a picture of a tilted bar level gives an upright bar: a black 100x20 bar turned 15° on white.
    const width = 400;
    const height = 200;
    const pixels = new Uint8Array(width * height * 3).fill(255);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const u = (x + 0.5 - 200) * Math.cos(a) + (y + 0.5 - 100) * Math.sin(a);
        const v = -(x + 0.5 - 200) * Math.sin(a) + (y + 0.5 - 100) * Math.cos(a);
        if (Math.abs(u) <= 50 && Math.abs(v) <= 10) pixels.fill(0, (y * width + x) * 3, (y * width + x) * 3 + 3);
      }
    }
    const level = warpLevel({ pixels, width, height }, rectCorners(r), 100, 20);
    const dark = Array.from({ length: 100 * 20 }, (_, i) => level.pixels[i * 3]!).filter((v) => v < 128).length;
    expect(dark).toBeGreaterThan(0.9 * 2000);
  });
});

describe('plates that hold up', () => {
  it('reads a blue and a green plate tilted 15° exactly, by straightening them', async () => {
    expect(await reader.readPlate(await truckWithPlate('京A3K5L8', 'blue', 15))).toMatchObject({ text: '京A3K5L8', kind: 'ordinary' });
    expect(await reader.readPlate(await truckWithPlate('粤BD12345', 'green', -15))).toMatchObject({ text: '粤BD12345', kind: 'new-energy' });
  });

  it('refuses a 7-character reading of a green plate with the reason, and takes the same number on a blue plate', async () => {
    // A green plate that shows only 7 characters (one lost, as when a character is dirty or hidden).
    const green = await truckWithPlate('粤B12345', 'green');
    const reading = await reader.readPlate(green);
    expect(reading).toMatchObject({ unreadable: 'dropped character' });
    if (!('unreadable' in reading)) return;
    expect(reading.detail).toMatch(/green new-energy plate has 8 characters, read 7: 粤B12345/);
    expect(await reader.readPlate(await truckWithPlate('粤B12345', 'blue'))).toMatchObject({ text: '粤B12345', kind: 'ordinary' });
  });

  it('tells a green plate from a blue one by its background', async () => {
    const line = async (colour: keyof typeof PLATE_COLOURS) => {
      const { data, info } = await sharp(await renderPlate('京A12345', PLATE_COLOURS[colour])).resize(200).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      return plateColour({ pixels: new Uint8Array(data), width: info.width, height: info.height });
    };
    expect(await line('green')).toBe('green');
    expect(await line('blue')).toBe('blue');
  });

  it('reads the plate on the sharpest of the case frames', async () => {
    const sharpFrame = await frameOf(await truckWithPlate('苏E6M2Q9', 'blue'), new Date('2026-05-04T02:00:00Z'));
    // The confirming frame is blurred (a bus went past): read alone, it gives no plate.
    const blurred = await frameOf(await sharp(await truckWithPlate('苏E6M2Q9', 'blue')).blur(4).jpeg().toBuffer(), new Date('2026-05-04T02:05:00Z'));
    const box: Box = [300, 150, 800, 390];
    expect(laplacianVariance(sharpFrame, box)).toBeGreaterThan(2 * laplacianVariance(blurred, box));
    expect('unreadable' in (await reader.readPlate(blurred, box))).toBe(true);
    const v: Violation = {
      type: 'illegal_parking', sourceId: 'cam-1', zoneId: 'kerb', trackId: 3, label: 'truck', score: 0.7, box,
      observedAt: blurred.capturedAt, startedAt: sharpFrame.capturedAt, evidenceFrames: [sharpFrame, blurred],
    };
    const read = await withPlate(v, { plateReader: () => reader });
    expect(read.attributes).toMatchObject({ plate: '苏E6M2Q9' });
  });
});
