// Orthomosaic comparison on GeoTIFF pairs the test writes from real aerial photos: a block of
// buildings appears (found, at the right lon/lat, with about the right area), only the light changes
// (nothing), the after survey's georeferencing is a few metres off (realigned, still found once),
// tiles cut through the structure (joined again), a surface rises (found from the DSMs).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareOrthomosaics, type OrthoCandidate } from '../../pipeline/change/compare-orthomosaics.ts';
import { afterOrtho, beforeOrtho, GEOREF, lonLatOf, relitOrtho, STRUCTURE, STRUCTURE_M2, surface, WIDTH, writeDsm, writeOrtho } from './ortho-pairs.ts';

let dir: string;
const file = (name: string) => path.join(dir, name);

/** Metres between the centre of a candidate's outline and the centre of the planted structure. */
function offCentre(c: OrthoCandidate): number {
  const [x, y, w, h] = STRUCTURE;
  const [lon, lat] = lonLatOf(GEOREF, x + w / 2, y + h / 2);
  const n = c.polygon.length;
  const [clon, clat] = c.polygon.reduce(([a, b], [p, q]) => [a + p / n, b + q / n], [0, 0]);
  return Math.hypot((clon - lon) * 111320 * Math.cos((lat * Math.PI) / 180), (clat - lat) * 110574);
}

function expectTheStructure(c: OrthoCandidate | undefined): void {
  expect(c).toBeDefined();
  expect(offCentre(c!)).toBeLessThan(2);
  expect(Math.abs(c!.areaM2 - STRUCTURE_M2) / STRUCTURE_M2).toBeLessThan(0.2);
  expect(c!.score).toBeGreaterThan(0);
  expect(c!.score).toBeLessThanOrEqual(1);
}

describe('compareOrthomosaics', () => {
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ortho-'));
    const after = await afterOrtho();
    await writeOrtho(file('before.tif'), await beforeOrtho(), GEOREF);
    await writeOrtho(file('after.tif'), after, GEOREF);
    await writeOrtho(file('relit.tif'), await relitOrtho(), GEOREF);
    // The same after survey, its georeferencing 3 m east and 2 m south of the truth.
    await writeOrtho(file('after-off.tif'), after, { ...GEOREF, x0: GEOREF.x0 + 3, y0: GEOREF.y0 - 2 });
    await writeDsm(file('before-dsm.tif'), surface(WIDTH), WIDTH, GEOREF);
    await writeDsm(file('after-dsm.tif'), surface(WIDTH, STRUCTURE, 3), WIDTH, GEOREF);
    await writeDsm(file('after-dsm-low.tif'), surface(WIDTH, STRUCTURE, 1.5), WIDTH, GEOREF);
    // A before DSM with a hole (no surface reconstructed over a corner): GDAL_NODATA -9999 there.
    const holed = surface(WIDTH);
    for (let y = 0; y < 160; y++) holed.fill(-9999, y * WIDTH, y * WIDTH + 160);
    await writeDsm(file('before-dsm-holed.tif'), holed, WIDTH, GEOREF, -9999);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('finds a structure that appeared, as a lon/lat polygon with its area in m²', async () => {
    const result = await compareOrthomosaics({ before: file('before.tif'), after: file('after.tif') });
    expect(result.candidates).toHaveLength(1);
    expectTheStructure(result.candidates[0]);
    expect(result.candidates[0]!.kind).toBe('appearance');
    expect(result.inputs).toMatchObject({ before: file('before.tif'), after: file('after.tif'), beforeDsm: null, surfaceModels: false });
    expect(result.grid).toMatchObject({ epsg: 32650, resolution: 0.125, width: WIDTH, height: WIDTH });
  });

  it('raises nothing when only the light changed', async () => {
    const result = await compareOrthomosaics({ before: file('before.tif'), after: file('relit.tif') });
    expect(result.candidates).toEqual([]);
  });

  it('realigns a survey whose georeferencing is a few metres off, and finds the structure once', async () => {
    const result = await compareOrthomosaics({ before: file('before.tif'), after: file('after-off.tif') });
    expect(result.alignment.east).toBeCloseTo(3, 0);
    expect(result.alignment.north).toBeCloseTo(-2, 0);
    // Nothing along the edges where only one survey reaches: the structure and nothing else.
    expect(result.candidates).toHaveLength(1);
    expectTheStructure(result.candidates[0]);
  });

  it('joins the pieces of a structure cut by tile borders', async () => {
    // 64 px tiles at 0.25 m: the structure (x 150–186, y 120–148 detection px) spans four tiles.
    const result = await compareOrthomosaics({ before: file('before.tif'), after: file('after.tif') }, { tileSize: 64, overlap: 16 });
    expect(result.candidates).toHaveLength(1);
    expect(offCentre(result.candidates[0]!)).toBeLessThan(2);
    expect(result.candidates[0]!.areaM2).toBeGreaterThan(0.8 * STRUCTURE_M2);
  });

  it('finds a surface that rose by at least the set height over the set area', async () => {
    const inputs = { before: file('before.tif'), after: file('relit.tif'), beforeDsm: file('before-dsm.tif'), afterDsm: file('after-dsm.tif') };
    const result = await compareOrthomosaics(inputs);
    expect(result.inputs.surfaceModels).toBe(true);
    const rises = result.candidates.filter((c) => c.kind === 'rise');
    expect(rises).toHaveLength(1);
    expectTheStructure(rises[0]);
    expect(rises[0]!.rise).toBeCloseTo(3, 1);
    expect(result.candidates.filter((c) => c.kind === 'appearance')).toEqual([]);
  });

  it('does not compare heights where a DSM has no data', async () => {
    const inputs = { before: file('before.tif'), after: file('relit.tif'), beforeDsm: file('before-dsm-holed.tif'), afterDsm: file('after-dsm.tif') };
    const rises = (await compareOrthomosaics(inputs)).candidates.filter((c) => c.kind === 'rise');
    // Without the GDAL_NODATA value the 20 m × 20 m hole would "rise" by 10 km.
    expect(rises).toHaveLength(1);
    expectTheStructure(rises[0]);
  });

  it('ignores a rise below the set height, unless the setting is lowered', async () => {
    const inputs = { before: file('before.tif'), after: file('relit.tif'), beforeDsm: file('before-dsm.tif'), afterDsm: file('after-dsm-low.tif') };
    expect((await compareOrthomosaics(inputs)).candidates).toEqual([]);
    const lowered = await compareOrthomosaics(inputs, { minRise: 1 });
    expect(lowered.candidates.filter((c) => c.kind === 'rise')).toHaveLength(1);
    // …and an area larger than the structure hides it again.
    expect((await compareOrthomosaics(inputs, { minRise: 1, minRiseArea: 2 * STRUCTURE_M2 })).candidates).toEqual([]);
  });
});
