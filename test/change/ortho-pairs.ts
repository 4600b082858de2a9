// Orthomosaic pairs the tests write as GeoTIFF (with geotiff's own writer): the aerial scenes of
// change-pairs.ts upscaled to 0.125 m/px and placed on a UTM grid near Beijing, with surface models
// whose heights the test sets. The structure's place on the ground is known because the test put it
// there, so the expected polygon is computed here with proj4, independently of the product.
import { writeFile } from 'node:fs/promises';
import { writeArrayBuffer } from 'geotiff';
import proj4 from 'proj4';
import sharp, { type Sharp } from 'sharp';
import { beforeScene, PASTED, relit, SIZE } from './change-pairs.ts';
import { samplePath } from '../support/samples.ts';

export const UPSCALE = 2;
export const WIDTH = SIZE * UPSCALE;
export const RES = 0.125;
export const UTM50N = 32650;
export const ORIGIN: [number, number] = [440000, 4420000];
/** The structure in orthomosaic pixels, [left, top, width, height]. */
export const STRUCTURE = PASTED.map((v) => v * UPSCALE) as [number, number, number, number];
export const STRUCTURE_M2 = STRUCTURE[2] * STRUCTURE[3] * RES * RES;

export interface Georef {
  epsg: number;
  /** Map coordinates of the top-left corner, and units per pixel. */
  x0: number;
  y0: number;
  res: number;
  /** Units per pixel down, when not `res`. */
  resY?: number;
}

export const GEOREF: Georef = { epsg: UTM50N, x0: ORIGIN[0], y0: ORIGIN[1], res: RES };

export interface Rgb {
  width: number;
  height: number;
  /** 3 bands interleaved, or 4 with alpha (0: outside the mosaic). */
  data: Uint8Array;
  bands?: 3 | 4;
}

async function rgb(image: Sharp): Promise<Rgb> {
  const { data, info } = await image.resize(WIDTH, WIDTH, { kernel: 'cubic' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

export async function beforeOrtho(): Promise<Rgb> {
  return rgb(beforeScene());
}

/** The before scene with a block of buildings from aero3 where the trees were, in other light. */
export async function afterOrtho(): Promise<Rgb> {
  const block = await sharp(samplePath('opencv/aero3.jpg')).extract({ left: 300, top: 150, width: PASTED[2], height: PASTED[3] }).png().toBuffer();
  const withBlock = await beforeScene().png().toBuffer().then((b) => sharp(b).composite([{ input: block, left: PASTED[0], top: PASTED[1] }]).png().toBuffer());
  return rgb(relit(sharp(withBlock)));
}

export async function relitOrtho(): Promise<Rgb> {
  return rgb(relit(sharp(await beforeScene().png().toBuffer())));
}

function geoKeys(g: Georef): Record<string, unknown> {
  const keys: Record<string, unknown> = { ModelPixelScale: [g.res, g.resY ?? g.res, 0], ModelTiepoint: [0, 0, 0, g.x0, g.y0, 0], GTRasterTypeGeoKey: 1 };
  if (g.epsg === 4326) Object.assign(keys, { GTModelTypeGeoKey: 2, GeographicTypeGeoKey: 4326 });
  else Object.assign(keys, { GTModelTypeGeoKey: 1, ProjectedCSTypeGeoKey: g.epsg });
  return keys;
}

export async function writeOrtho(file: string, image: Rgb, g: Georef): Promise<void> {
  const bands = image.bands ?? 3;
  const layout = bands === 4 ? { BitsPerSample: [8, 8, 8, 8], SamplesPerPixel: 4, ExtraSamples: 2 } : { BitsPerSample: [8, 8, 8], SamplesPerPixel: 3 };
  const buffer = writeArrayBuffer(image.data as unknown as number[], { width: image.width, height: image.height, PhotometricInterpretation: 2, ...layout, ...geoKeys(g) } as never);
  await writeFile(file, Buffer.from(buffer));
}

/** `noData`: the GDAL_NODATA value photogrammetry writes where it has no surface (e.g. -9999). */
export async function writeDsm(file: string, heights: Float32Array, width: number, g: Georef, noData?: number): Promise<void> {
  const buffer = writeArrayBuffer(heights as unknown as number[], { width, height: heights.length / width, PhotometricInterpretation: 1, ...geoKeys(g), ...(noData !== undefined ? { GDAL_NODATA: String(noData) } : {}) } as never);
  await writeFile(file, Buffer.from(buffer));
}

/** Ground heights: a gentle slope (terrain), plus `rise` metres over `box` (pixels). */
export function surface(width: number, box?: [number, number, number, number], rise = 0): Float32Array {
  const h = new Float32Array(width * width);
  for (let y = 0; y < width; y++) for (let x = 0; x < width; x++) h[y * width + x] = 50 + 0.01 * x + 0.005 * y;
  if (box) for (let y = box[1]; y < box[1] + box[3]; y++) for (let x = box[0]; x < box[0] + box[2]; x++) h[y * width + x]! += rise;
  return h;
}

/** [lon, lat] of an orthomosaic pixel corner under `g` (UTM). */
export function lonLatOf(g: Georef, px: number, py: number): [number, number] {
  return proj4(`+proj=utm +zone=${g.epsg - 32600} +datum=WGS84 +units=m +no_defs`, 'EPSG:4326').forward([g.x0 + px * g.res, g.y0 - py * g.res]) as [number, number];
}

const UTM_DEF = (g: Georef) => `+proj=utm +zone=${g.epsg - 32600} +datum=WGS84 +units=m +no_defs`;

/**
 * The image as a photogrammetry tool would write it in another projection (EPSG:3857 or 4326): the
 * same number of pixels over the footprint's bounding box there, each pixel looked up (nearest) in
 * the UTM image, with alpha 0 where the rotated footprint does not reach.
 */
export function reproject(image: Rgb, g: Georef, epsg: 3857 | 4326): { image: Rgb; georef: Georef } {
  const toTarget = proj4(UTM_DEF(g), `EPSG:${epsg}`);
  const corners = [[0, 0], [image.width, 0], [0, image.height], [image.width, image.height]].map(([px, py]) => toTarget.forward([g.x0 + px! * g.res, g.y0 - py! * g.res]));
  const minX = Math.min(...corners.map((c) => c[0]!)), maxX = Math.max(...corners.map((c) => c[0]!));
  const minY = Math.min(...corners.map((c) => c[1]!)), maxY = Math.max(...corners.map((c) => c[1]!));
  const w = image.width, h = image.height;
  const georef: Georef = { epsg, x0: minX, y0: maxY, res: (maxX - minX) / w, resY: (maxY - minY) / h };
  const out = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const [ux, uy] = toTarget.inverse([minX + (x + 0.5) * georef.res, maxY - (y + 0.5) * georef.resY!]) as [number, number];
      const sx = Math.floor((ux - g.x0) / g.res), sy = Math.floor((g.y0 - uy) / g.res);
      if (sx < 0 || sy < 0 || sx >= image.width || sy >= image.height) continue;
      out.set(image.data.subarray((sy * image.width + sx) * 3, (sy * image.width + sx) * 3 + 3), (y * w + x) * 4);
      out[(y * w + x) * 4 + 3] = 255;
    }
  }
  return { image: { width: w, height: h, data: out, bands: 4 }, georef };
}
