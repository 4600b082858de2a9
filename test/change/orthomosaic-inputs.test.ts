// What the orthomosaic comparison does with the inputs cities actually send: surveys at different
// resolutions (resampled, and said so), tiled GeoTIFFs, and bad files (no georeferencing, not
// overlapping, corrupt, an unsupported projection, one DSM only), each refused with the file named.
// Also `npm run survey:compare` as a user runs it.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fromFile } from 'geotiff';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareOrthomosaics } from '../../pipeline/change/compare-orthomosaics.ts';
import { writeTiledGeoTiff } from '../../pipeline/change/tiled-geotiff-writer.ts';
import { runScript } from '../support/run-script.ts';
import { afterOrtho, beforeOrtho, GEOREF, lonLatOf, reproject, RES, STRUCTURE, STRUCTURE_M2, WIDTH, writeOrtho, type Rgb } from './ortho-pairs.ts';

let dir: string;
const file = (name: string) => path.join(dir, name);

async function halfSize(image: Rgb): Promise<Rgb> {
  const { data, info } = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }).resize(image.width / 2).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

describe('orthomosaic comparison inputs', () => {
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ortho-inputs-'));
    const before = await beforeOrtho();
    await writeOrtho(file('before.tif'), before, GEOREF);
    await writeOrtho(file('after.tif'), await afterOrtho(), GEOREF);
    await writeOrtho(file('after-coarse.tif'), await halfSize(await afterOrtho()), { ...GEOREF, res: 2 * RES });
    for (const epsg of [3857, 4326] as const) {
      const moved = reproject(await afterOrtho(), GEOREF, epsg);
      await writeOrtho(file(`after-${epsg}.tif`), moved.image, moved.georef);
    }
    // The after mosaic stops short: its left 25 m are transparent (alpha 0) and black.
    const after = await afterOrtho();
    const clipped = new Uint8Array(WIDTH * WIDTH * 4);
    for (let i = 0; i < WIDTH * WIDTH; i++) {
      if (i % WIDTH < 200) continue;
      clipped.set(after.data.subarray(3 * i, 3 * i + 3), 4 * i);
      clipped[4 * i + 3] = 255;
    }
    await writeOrtho(file('after-clipped.tif'), { width: WIDTH, height: WIDTH, data: clipped, bands: 4 }, GEOREF);
    await writeOrtho(file('far-away.tif'), before, { ...GEOREF, x0: GEOREF.x0 + 5000 });
    await writeOrtho(file('lambert.tif'), before, { ...GEOREF, epsg: 2154 });
    await sharp(before.data, { raw: { width: WIDTH, height: WIDTH, channels: 3 } }).tiff().toFile(file('plain.tif'));
    const whole = await readFile(file('after.tif'));
    await writeFile(file('truncated.tif'), whole.subarray(0, 4000));
    await writeFile(file('garbage.tif'), Buffer.from('this is not a TIFF at all, just text'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('resamples a coarser survey onto the finer grid, says so, and still finds the structure', async () => {
    const result = await compareOrthomosaics({ before: file('before.tif'), after: file('after-coarse.tif') });
    expect(result.notes).toContain('after resampled from 0.25 m to 0.125 m');
    expect(result.grid.resolution).toBe(0.125);
    expect(result.candidates).toHaveLength(1);
    expect(Math.abs(result.candidates[0]!.areaM2 - STRUCTURE_M2) / STRUCTURE_M2).toBeLessThan(0.2);
  });

  it.each([3857, 4326])('reprojects an RGBA survey in EPSG:%i onto the UTM grid, says so, and finds the structure in place', async (epsg) => {
    const result = await compareOrthomosaics({ before: file('before.tif'), after: file(`after-${epsg}.tif`) });
    expect(result.notes).toContain(`after reprojected from EPSG:${epsg} to EPSG:32650`);
    expect(result.grid.epsg).toBe(32650);
    expect(result.candidates).toHaveLength(1);
    const c = result.candidates[0]!;
    expect(Math.abs(c.areaM2 - STRUCTURE_M2) / STRUCTURE_M2).toBeLessThan(0.2);
    const [x, y, w, h] = STRUCTURE;
    const [lon, lat] = lonLatOf(GEOREF, x + w / 2, y + h / 2);
    const [clon, clat] = c.polygon.reduce(([a, b], [p, q]) => [a + p / c.polygon.length, b + q / c.polygon.length], [0, 0]);
    expect(Math.hypot((clon - lon) * 111320 * Math.cos((lat * Math.PI) / 180), (clat - lat) * 110574)).toBeLessThan(2);
  });

  it('does not compare where a mosaic is transparent', async () => {
    const result = await compareOrthomosaics({ before: file('before.tif'), after: file('after-clipped.tif') });
    expect(result.candidates).toHaveLength(1);
    expect(Math.abs(result.candidates[0]!.areaM2 - STRUCTURE_M2) / STRUCTURE_M2).toBeLessThan(0.2);
  });

  it.each([
    ['plain.tif', 'before', /plain\.tif: has no georeferencing/],
    ['far-away.tif', 'after', /before\.tif and .*far-away\.tif do not overlap/],
    ['lambert.tif', 'after', /lambert\.tif: EPSG:2154 is not supported/],
    ['truncated.tif', 'after', /truncated\.tif: is truncated or corrupt \(its pixels run to byte \d+ but the file has 4000 bytes\)/],
    ['garbage.tif', 'after', /garbage\.tif: not a readable GeoTIFF/],
    ['missing.tif', 'after', /missing\.tif: not a readable GeoTIFF \(ENOENT/],
  ])('refuses %s as the %s survey, naming it', async (name, role, message) => {
    const inputs = role === 'before' ? { before: file(name), after: file('after.tif') } : { before: file('before.tif'), after: file(name) };
    await expect(compareOrthomosaics(inputs)).rejects.toThrow(message);
  });

  it('refuses a surface model for one survey only', async () => {
    await expect(compareOrthomosaics({ before: file('before.tif'), after: file('after.tif'), beforeDsm: file('before.tif') })).rejects.toThrow(/needs both DSMs: only the before DSM/);
  });

  it('writes tiled GeoTIFFs that geotiff reads back pixel for pixel, with their georeferencing', async () => {
    const pixel = (x: number, y: number, c: number) => (x * 7 + y * 3 + c * 50) % 256;
    await writeTiledGeoTiff(file('tiled.tif'), { width: 300, height: 200, bands: 3, format: 'uint8', tileSize: 128, epsg: 32650, x0: 440000, y0: 4420000, res: 0.05 }, (x0, y0, w, h) => {
      const out = new Uint8Array(w * h * 3);
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) out[(y * w + x) * 3 + c] = pixel(x0 + x, y0 + y, c);
      return out;
    });
    const image = await (await fromFile(file('tiled.tif'))).getImage();
    expect([image.getWidth(), image.getHeight(), image.getTileWidth()]).toEqual([300, 200, 128]);
    expect(image.getOrigin().slice(0, 2)).toEqual([440000, 4420000]);
    expect(image.getResolution().slice(0, 2)).toEqual([0.05, -0.05]);
    expect(image.getGeoKeys()?.ProjectedCSTypeGeoKey).toBe(32650);
    const [band] = (await image.readRasters({ window: [250, 150, 300, 200], samples: [1] })) as unknown as Uint8Array[];
    expect(band![0]).toBe(pixel(250, 150, 1));
    expect(band![49 * 50 + 49]).toBe(pixel(299, 199, 1));
  });

  describe('npm run survey:compare', () => {
    const run = (args: string[]) => runScript('scripts/survey-compare.ts', args);

    it('prints the comparison as JSON', async () => {
      const { code, stdout, stderr } = await run(['--before', file('before.tif'), '--after', file('after.tif'), '--json']);
      expect(code, stderr).toBe(0);
      const report = JSON.parse(stdout);
      expect(report.inputs.surfaceModels).toBe(false);
      expect(report.candidates).toHaveLength(1);
      expect(report.candidates[0]).toMatchObject({ kind: 'appearance', polygon: expect.any(Array), areaM2: expect.any(Number), score: expect.any(Number) });
    });

    it('shows its usage with --help, and refuses an unknown option in one line', async () => {
      const help = await run(['--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(/^usage: npm run survey:compare -- --before A\.tif --after B\.tif/);
      const bad = await run(['--before', 'a.tif', '--after', 'b.tif', '--frobnicate']);
      expect(bad.code).toBe(2);
      expect(bad.stderr.split('\n')[0]).toBe('npm run survey:compare: unknown option --frobnicate');
    });

    it('names the bad file and exits 1', async () => {
      const { code, stderr } = await run(['--before', file('plain.tif'), '--after', file('after.tif')]);
      expect(code).toBe(1);
      expect(stderr).toMatch(/^survey-compare: .*plain\.tif: has no georeferencing/);
    });
  });
});
