// Tiles compared on several cores: tiles are independent, so they are dealt round-robin to worker
// threads (each holds one tile of each survey at a time) and their candidates gathered for merging.
// With one worker everything runs in this thread.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Grid } from './common-grid.ts';
import { ChangeInputError } from './load-image.ts';
import type { PlacedCandidate } from './merge-candidates.ts';
import { compareTile, tileWindows, type Surveys, type TileSettings } from './tile-compare.ts';
import type { TileJob } from './tile-worker.ts';

export async function compareAllTiles(surveys: Surveys, grid: Grid, offset: [number, number], t: TileSettings, workers: number): Promise<PlacedCandidate[]> {
  const windows = tileWindows(grid, t);
  const n = Math.max(1, Math.min(workers, windows.length));
  if (n === 1) {
    const found: PlacedCandidate[] = [];
    for (const win of windows) found.push(...(await compareTile(surveys, grid, offset, win, t)));
    return found;
  }
  const files = { before: surveys.before.file, after: surveys.after.file, beforeDsm: surveys.beforeDsm?.file, afterDsm: surveys.afterDsm?.file };
  const shares = Array.from({ length: n }, (_, k) => windows.filter((_, i) => i % n === k));
  const results = await Promise.all(shares.map((share) => runWorker({ files, grid, offset, settings: t, windows: share })));
  return results.flat();
}

// The worker is TypeScript like the rest: it registers tsx's loader itself, as a worker does not
// inherit the one this process runs under (tsx or vitest).
// (require.resolve gives the CommonJS build of tsx's API, whose register() cannot load its own hooks.)
const TSX_API = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
const WORKER = new URL('./tile-worker.ts', import.meta.url).href;
const BOOTSTRAP = `import(${JSON.stringify(TSX_API)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER)}); });`;

function runWorker(job: TileJob): Promise<PlacedCandidate[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(BOOTSTRAP, { eval: true, workerData: job });
    const found: PlacedCandidate[] = [];
    worker.on('message', (tile: PlacedCandidate[]) => found.push(...tile));
    // Errors cross the thread as plain Errors: a bad file is still the user's bad input.
    worker.on('error', (error: Error) => reject(/: (not a readable|is truncated|could not read)/.test(error.message) ? new ChangeInputError(error.message) : error));
    worker.on('exit', (code) => (code === 0 ? resolve(found) : reject(new Error(`a tile worker stopped with code ${code}`))));
  });
}
