// GSD-aware tiling: with telemetry the photo's ground sample distance is known, and the photo is
// shrunk to the GSD the detector suits (input.gsdCm) before tiling. Drone JPEGs with DJI telemetry are
// made here from a real photo; tile counts are worked out by hand in the comments.
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Detector } from '../../pipeline/detect/detector.ts';
import { cameraPose } from '../../pipeline/survey/georeference.ts';
import { photoGsdCm, resampleFactor } from '../../pipeline/survey/survey-scale.ts';
import { readTelemetry } from '../../pipeline/survey/telemetry.ts';
import { detectTiled } from '../../pipeline/survey/tiled-detection.ts';
import { planTiles } from '../../pipeline/survey/tiles.ts';
import { defaultDetector } from '../support/default-detector.ts';
import { samplePath } from '../support/samples.ts';
import { droneJpeg } from './drone-jpeg.ts';

// A 12-megapixel Mavic-like camera: 24 mm equivalent on a 4000 px wide image is 2666.67 px.
const W = 4000;
const H = 3000;
const djiAt = (heightM: number, pitch = -90) => ({
  RelativeAltitude: `+${heightM.toFixed(2)}`,
  GimbalPitchDegree: pitch.toFixed(2),
  GimbalYawDegree: '+30.00',
  CalibratedFocalLength: '2666.67',
});

async function surveyPhoto(heightM: number, pitch = -90) {
  const bytes = await droneJpeg({ width: W, height: H, photo: samplePath('darknet/kite.jpg'), gps: { lat: 22.5463, lon: 113.94 }, xmp: djiAt(heightM, pitch) });
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const telemetry = await readTelemetry(bytes, info.width, info.height);
  const pose = cameraPose(telemetry.telemetry, telemetry.focalLengthPx, info.width, info.height);
  if (typeof pose === 'string') throw new Error(`fixture has no pose: ${pose}`);
  return { pose, frame: { sourceId: 'survey-1', capturedAt: new Date(0), width: info.width, height: info.height, pixels: data } };
}

let detector: Detector;
beforeAll(async () => {
  detector = await defaultDetector();
}, 60_000);
afterAll(() => detector?.close());

describe('GSD from telemetry picks the tiles', () => {
  it('at 40 m (1.5 cm/px) shrinks the photo to 4 cm/px: 1500x1125, 5 x 4 = 20 tiles instead of 108', async () => {
    expect(detector.model.input.gsdCm).toBe(4);
    const { pose, frame } = await surveyPhoto(40);
    const gsd = photoGsdCm(pose)!;
    expect(gsd).toBeCloseTo(1.5, 2);
    const scale = resampleFactor(gsd, detector.model.input.gsdCm);
    expect(scale).toBeCloseTo(0.375, 3);
    // 1500 wide: tiles start at 0, 332, 664, 996 and 1084; 1125 high: 0, 332, 664 and 709.
    const { detections, timings } = await detectTiled(detector, frame, { scale });
    expect(timings.tiles).toBe(20);
    expect(timings.scale).toBeCloseTo(0.375, 3);
    // Boxes come back in the photo's own pixels, not the shrunk ones.
    expect(detections.length).toBeGreaterThan(0);
    for (const d of detections) {
      expect(d.box[0]).toBeGreaterThanOrEqual(-1);
      expect(d.box[2]).toBeLessThanOrEqual(W + 1);
      expect(d.box[3]).toBeLessThanOrEqual(H + 1);
    }
    expect(Math.max(...detections.map((d) => d.box[2]))).toBeGreaterThan(1500);
  }, 120_000);

  it('at 120 m (4.5 cm/px, coarser than the model suits) keeps the photo as it is: 12 x 9 = 108 tiles', async () => {
    const { pose } = await surveyPhoto(120);
    const gsd = photoGsdCm(pose)!;
    expect(gsd).toBeCloseTo(4.5, 2);
    expect(resampleFactor(gsd, 4)).toBe(1);
    expect(planTiles(W, H, 416, 416, 0.2)).toHaveLength(108);
  }, 60_000);

  it('oblique: uses the GSD of the farthest ground in view, and none when the top edge sees the sky', async () => {
    // 40 m, camera 45° down; the top edge's ray is 45° + atan(1500 / 2666.67) = 74.4° from nadir:
    // range 40 / cos(74.4°) = 148.6 m, so 5.57 cm/px there: coarser than 4, nothing shrunk.
    const oblique = await surveyPhoto(40, -45);
    expect(photoGsdCm(oblique.pose)).toBeCloseTo(5.57, 1);
    expect(resampleFactor(photoGsdCm(oblique.pose), 4)).toBe(1);
    // Camera 20° down: the top of the photo shows the horizon, so there is no single scale to shrink to.
    const level = await surveyPhoto(40, -20);
    expect(photoGsdCm(level.pose)).toBeUndefined();
    expect(resampleFactor(photoGsdCm(level.pose), 4)).toBe(1);
  }, 60_000);

  it('without a model GSD, or without telemetry, tiles at the photo\'s own resolution', () => {
    expect(resampleFactor(1.5, undefined)).toBe(1);
    expect(resampleFactor(undefined, 4)).toBe(1);
  });

  it('refuses a nonsense GSD or scale with a message naming it', async () => {
    expect(() => resampleFactor(0, 4)).toThrow(/ground sample distance must be a positive number of cm per pixel, got 0/);
    expect(() => resampleFactor(Number.NaN, 4)).toThrow(/got NaN/);
    const frame = { sourceId: 's', capturedAt: new Date(0), width: 8, height: 8, pixels: new Uint8Array(8 * 8 * 3) };
    await expect(detectTiled(detector, frame, { scale: 1.5 })).rejects.toThrow(/tiling scale must be in \(0, 1\], got 1.5/);
    await expect(detectTiled(detector, frame, { scale: 0 })).rejects.toThrow(/got 0/);
  });
});
