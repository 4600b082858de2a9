// Survey against survey: two orthomosaics (GeoTIFF, optionally each with a surface model) of the
// same place compared for new structures. The stages: open and check each file, build the common
// grid, refine the after survey's georeferencing by image matching, compare tile by tile, join the
// candidates across tile borders, and give them back as lon/lat polygons with area in m².
import { availableParallelism } from 'node:os';
import { meanWidth } from './candidates.ts';
import { commonGrid, type Grid } from './common-grid.ts';
import { converter } from './crs.ts';
import { DEFAULT_CHANGE_SETTINGS, type ChangeSettings } from './detect-change.ts';
import { DEFAULT_RISE_SETTINGS, type RiseSettings } from './dsm-rise.ts';
import { alignByImage } from './georef-alignment.ts';
import { openGeoTiff } from './geotiff-source.ts';
import { ChangeInputError } from './load-image.ts';
import { mergeAcrossTiles, type PlacedCandidate } from './merge-candidates.ts';
import { compareAllTiles } from './parallel-tiles.ts';
import type { Surveys } from './tile-compare.ts';

export interface OrthoInputs {
  before: string;
  after: string;
  beforeDsm?: string;
  afterDsm?: string;
}

export interface OrthoSettings extends RiseSettings {
  /** Metres per pixel the images are compared at (coarser than the grid: averaged); 0 = the grid's. */
  detectResolution: number;
  /** Smallest appearance change reported, m². */
  minChangeArea: number;
  /**
   * Smallest mean width of an appearance change (twice its area over its outline's length), m:
   * drops rows of parked cars and roof-edge parallax strips. Judged on whole candidates, after the
   * pieces cut by tile borders are joined. Rises are not judged by it.
   */
  minChangeWidth: number;
  /** Largest disagreement of the two georeferencings searched for, metres. */
  maxOffset: number;
  tileSize: number;
  overlap: number;
  /** Threads comparing tiles at once (1: in this thread). */
  workers: number;
  change: Partial<ChangeSettings>;
}

export const DEFAULT_ORTHO_SETTINGS: OrthoSettings = {
  // The image change detector's filters were tuned on 0.3–0.5 m imagery; 0.25 m keeps a shed.
  detectResolution: 0.25,
  minChangeArea: 10,
  // A shed is about 2.5 m across; a car 2 m.
  minChangeWidth: 1.5,
  maxOffset: 5,
  tileSize: 512,
  overlap: 32,
  workers: Math.min(2, availableParallelism()),
  change: {},
  ...DEFAULT_RISE_SETTINGS,
};

export interface OrthoCandidate {
  kind: 'appearance' | 'rise';
  /** Outline, [lon, lat] (EPSG:4326). */
  polygon: [number, number][];
  areaM2: number;
  score: number;
  /** Mean rise of the surface, metres (rise candidates). */
  rise?: number;
}

export interface OrthoComparison {
  /** Which inputs the comparison used. */
  inputs: { before: string; after: string; beforeDsm: string | null; afterDsm: string | null; surfaceModels: boolean };
  grid: { epsg: number; resolution: number; width: number; height: number; detectResolution: number };
  /** Reprojections and resamplings applied to bring the inputs onto the grid. */
  notes: string[];
  /** Refinement of the after survey's georeferencing, metres east and north. */
  alignment: { east: number; north: number; correlation: number };
  candidates: OrthoCandidate[];
}

export async function compareOrthomosaics(inputs: OrthoInputs, settings: Partial<OrthoSettings> = {}): Promise<OrthoComparison> {
  const s = { ...DEFAULT_ORTHO_SETTINGS, ...settings };
  if (Boolean(inputs.beforeDsm) !== Boolean(inputs.afterDsm)) {
    throw new ChangeInputError(`a surface-model comparison needs both DSMs: only ${inputs.beforeDsm ? 'the before' : 'the after'} DSM was given`);
  }
  const surveys = await openSurveys(inputs);
  const { grid, notes } = commonGrid(surveys.before, surveys.after);
  for (const [role, dsm, ortho] of [['before', surveys.beforeDsm, surveys.before], ['after', surveys.afterDsm, surveys.after]] as const) {
    if (dsm) commonGrid(ortho, dsm); // throws, naming both files, when a DSM does not cover its orthomosaic
    if (dsm && dsm.epsg !== grid.epsg) notes.push(`${role} DSM reprojected from EPSG:${dsm.epsg} to EPSG:${grid.epsg}`);
  }
  const factor = Math.max(1, Math.round(s.detectResolution / grid.res));
  const detectRes = grid.res * factor;
  if (factor > 1) notes.push(`images compared at ${round(detectRes)} m (${factor} × ${factor} grid pixels averaged)`);
  const alignment = await alignByImage(surveys.before, surveys.after, grid, s.maxOffset);
  const change = { ...DEFAULT_CHANGE_SETTINGS, ...s.change, minAreaPx: s.minChangeArea / detectRes ** 2, minWidthPx: 0 };
  const tiles = { tileSize: s.tileSize, overlap: s.overlap, factor, bandRows: 64, change, rise: { minRise: s.minRise, minRiseArea: s.minRiseArea } };
  const pieces = await compareAllTiles(surveys, grid, alignment.offset, tiles, s.workers);
  const toLonLat = converter(grid.epsg, 4326);
  return {
    inputs: { before: inputs.before, after: inputs.after, beforeDsm: inputs.beforeDsm ?? null, afterDsm: inputs.afterDsm ?? null, surfaceModels: Boolean(surveys.beforeDsm) },
    grid: { epsg: grid.epsg, resolution: grid.res, width: grid.width, height: grid.height, detectResolution: detectRes },
    notes,
    alignment: { east: alignment.offset[0], north: alignment.offset[1], correlation: alignment.correlation },
    candidates: mergeAcrossTiles(pieces)
      .filter((c) => c.kind === 'rise' || meanWidth(c.polygon, c.areaPx) * detectRes >= s.minChangeWidth)
      .map((c) => onTheMap(c, grid, detectRes, toLonLat)),
  };
}

async function openSurveys(inputs: OrthoInputs): Promise<Surveys> {
  const [before, after, beforeDsm, afterDsm] = await Promise.all([inputs.before, inputs.after, inputs.beforeDsm, inputs.afterDsm].map((f) => (f ? openGeoTiff(f) : undefined)));
  for (const ortho of [before!, after!]) {
    if (ortho.bands < 3) throw new ChangeInputError(`${ortho.file}: has ${ortho.bands} band(s); an orthomosaic needs red, green and blue`);
  }
  return { before: before!, after: after!, beforeDsm, afterDsm };
}

function onTheMap(c: PlacedCandidate, grid: Grid, res: number, toLonLat: (xy: [number, number]) => [number, number]): OrthoCandidate {
  const polygon = c.polygon.map(([x, y]) => toLonLat([grid.x0 + x * res, grid.y0 - y * res]));
  const out: OrthoCandidate = { kind: c.kind, polygon, areaM2: c.areaPx * res * res, score: c.score };
  if (c.rise !== undefined) out.rise = c.rise;
  return out;
}

function round(v: number): number {
  return Number(v.toPrecision(3));
}
