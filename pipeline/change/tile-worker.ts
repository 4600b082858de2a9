// One worker thread of a parallel comparison: opens the surveys itself (a GeoTIFF handle cannot be
// shared between threads), compares the tiles it was given, and posts each tile's candidates back.
import { parentPort, workerData } from 'node:worker_threads';
import type { Grid } from './common-grid.ts';
import { openGeoTiff } from './geotiff-source.ts';
import type { GridWindow } from './grid-sampler.ts';
import { compareTile, type TileSettings } from './tile-compare.ts';

export interface TileJob {
  files: { before: string; after: string; beforeDsm?: string; afterDsm?: string };
  grid: Grid;
  offset: [number, number];
  settings: TileSettings;
  windows: GridWindow[];
}

const job = workerData as TileJob;
const open = (f?: string) => (f ? openGeoTiff(f) : Promise.resolve(undefined));
const [before, after, beforeDsm, afterDsm] = await Promise.all([open(job.files.before), open(job.files.after), open(job.files.beforeDsm), open(job.files.afterDsm)]);
const surveys = { before: before!, after: after!, beforeDsm, afterDsm };
for (const win of job.windows) parentPort!.postMessage(await compareTile(surveys, job.grid, job.offset, win, job.settings));
