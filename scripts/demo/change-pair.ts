// A before/after orthomosaic pair any fresh machine can make, for the demo's survey-against-survey
// comparison: OpenCV's aero1.jpg (samples/cache) as the ground, 80 m × 80 m at 0.125 m/px on a
// UTM grid in Shanghai (EPSG:32651), written as GeoTIFF with geotiff's own writer; the after survey
// is the same ground in another day's light with a block of buildings from aero3.jpg standing where
// there were trees. Also the area's permitted-building layer: one existing building, elsewhere.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { writeArrayBuffer } from 'geotiff';
import sharp, { type Sharp } from 'sharp';
import type { PolygonLayer } from '../../contracts/survey.ts';
import { samplePath } from '../../infra/samples.ts';
import { converter } from '../../pipeline/change/crs.ts';

const SCENE = 320;
const UPSCALE = 2;
const RES = 0.125;
const EPSG = 32651;
/** Top-left corner of the pair in UTM 51N: the western edge of Shanghai's Minhang district. */
const ORIGIN: [number, number] = [343000, 3448000];
/** Where the new block stands, scene pixels [left, top, width, height]. */
export const NEW_BLOCK: [number, number, number, number] = [150, 120, 72, 56];
/** An existing building of the before scene, with a permit: scene pixels. */
const PERMITTED: [number, number, number, number] = [8, 8, 90, 60];

export interface ChangePair {
  before: string;
  after: string;
  permittedBuildings: PolygonLayer;
}

/** Writes the pair into `dir` unless it is there already (a restart reuses it). */
export async function makeChangePair(dir: string): Promise<ChangePair> {
  const before = path.join(dir, 'before.tif'), after = path.join(dir, 'after.tif');
  if (!existsSync(before) || !existsSync(after)) {
    await mkdir(dir, { recursive: true });
    const ground = await sharp(samplePath('opencv/aero1.jpg')).extract({ left: 300, top: 150, width: SCENE, height: SCENE }).png().toBuffer();
    const block = await sharp(samplePath('opencv/aero3.jpg')).extract({ left: 300, top: 150, width: NEW_BLOCK[2], height: NEW_BLOCK[3] }).png().toBuffer();
    const built = await sharp(ground).composite([{ input: block, left: NEW_BLOCK[0], top: NEW_BLOCK[1] }]).png().toBuffer();
    await writeGeoTiff(before, await pixels(sharp(ground)));
    // Another day: brighter and with more contrast.
    await writeGeoTiff(after, await pixels(sharp(built).linear(1.25, -12)));
  }
  return { before, after, permittedBuildings: footprint(PERMITTED, 'permit-demo-1') };
}

async function pixels(image: Sharp): Promise<Uint8Array> {
  const side = SCENE * UPSCALE;
  return new Uint8Array(await image.resize(side, side, { kernel: 'cubic' }).removeAlpha().raw().toBuffer());
}

async function writeGeoTiff(file: string, data: Uint8Array): Promise<void> {
  const side = SCENE * UPSCALE;
  const tags = {
    width: side, height: side, PhotometricInterpretation: 2, BitsPerSample: [8, 8, 8], SamplesPerPixel: 3,
    ModelPixelScale: [RES, RES, 0], ModelTiepoint: [0, 0, 0, ORIGIN[0], ORIGIN[1], 0], GTRasterTypeGeoKey: 1, GTModelTypeGeoKey: 1, ProjectedCSTypeGeoKey: EPSG,
  };
  await writeFile(file, Buffer.from(writeArrayBuffer(data as unknown as number[], tags as never)));
}

function footprint([l, t, w, h]: [number, number, number, number], id: string): PolygonLayer {
  const toLonLat = converter(EPSG, 4326);
  const at = (x: number, y: number) => toLonLat([ORIGIN[0] + x * UPSCALE * RES, ORIGIN[1] - y * UPSCALE * RES]);
  const ring = [at(l, t), at(l + w, t), at(l + w, t + h), at(l, t + h), at(l, t)];
  return { type: 'FeatureCollection', features: [{ type: 'Feature', id, properties: { name: '已批建筑 permitted building' }, geometry: { type: 'Polygon', coordinates: [ring] } }] };
}
