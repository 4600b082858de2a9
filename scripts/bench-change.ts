// `npm run bench:change [-- --side 4000 --no-dsm]`: how long comparing two orthomosaics takes, scaled
// to 1 km² at 5 cm/px, and the peak memory. It writes its own synthetic pair (aero1.jpg as ground
// texture, roofs added to the after survey, surface models with the roofs 4 m up, the after survey's
// georeferencing 2 m off) as tiled GeoTIFFs into a temporary folder that it deletes afterwards.
// A 1 km² pair at 5 cm/px is 20000 × 20000 px (5.6 GB with DSMs): the bench measures a --side px
// square (default 4000: 200 m × 200 m, 0.04 km²) and scales linearly, since the comparison is tile
// by tile. Prints figures measured in this run; asserts nothing.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { compareOrthomosaics } from '../pipeline/change/compare-orthomosaics.ts';
import { writeTiledGeoTiff, type TiledGeoTiff } from '../pipeline/change/tiled-geotiff-writer.ts';
import { parseCli, usageError } from './cli/args.ts';

const cli = { command: 'npm run bench:change', usage: 'usage: npm run bench:change [-- --side PIXELS (4000) --workers N (2) --no-dsm]' };
const { values } = parseCli({ ...cli, options: { side: { type: 'string', default: '4000' }, workers: { type: 'string', default: '2' }, 'no-dsm': { type: 'boolean', default: false } } });
const side = Number(values.side);
if (!Number.isInteger(side) || side < 512 || side > 20000) usageError(cli, `--side must be a whole number of pixels from 512 to 20000, got "${values.side}"`);
const workers = Number(values.workers);
if (!Number.isInteger(workers) || workers < 1 || workers > 16) usageError(cli, `--workers must be a whole number from 1 to 16, got "${values.workers}"`);

const RES = 0.05;
/** Texture pixels are 25 cm on the ground: the photo's detail at the resolution the images are compared at. */
const TEXTURE_SCALE = 5;
const ROOF = { every: 800, width: 200, height: 240 }; // pixels: one 10 m × 12 m roof every 40 m
const OFFSET: [number, number] = [2, -1.5]; // metres the after survey's georeferencing is off
const ORIGIN: [number, number] = [440000, 4420000]; // UTM 50N

const root = path.resolve(import.meta.dirname, '..');
const { data: tex, info } = await sharp(path.join(root, 'samples/cache/opencv/aero1.jpg')).removeAlpha().raw().toBuffer({ resolveWithObject: true });

function mirror(v: number, n: number): number {
  const m = v % (2 * n);
  return m < n ? m : 2 * n - 1 - m;
}

function roofAt(x: number, y: number): boolean {
  const rx = x % ROOF.every, ry = y % ROOF.every;
  return rx >= 300 && rx < 300 + ROOF.width && ry >= 280 && ry < 280 + ROOF.height;
}

/** Before or after survey pixels; the after one is in other light and has the roofs. */
function orthoTile(after: boolean) {
  return (x0: number, y0: number, w: number, h: number) => {
    const out = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const gx = x0 + x, gy = y0 + y, o = (y * w + x) * 3;
        if (after && roofAt(gx, gy)) {
          const ridge = Math.abs(((gy % ROOF.every) - 280) - ROOF.height / 2) < 6;
          out.set(ridge ? [120, 60, 50] : [190, 95, 75], o);
          continue;
        }
        const i = (mirror(Math.floor(gy / TEXTURE_SCALE), info.height) * info.width + mirror(Math.floor(gx / TEXTURE_SCALE), info.width)) * 3;
        for (let c = 0; c < 3; c++) out[o + c] = after ? Math.min(255, Math.round(tex[i + c]! * 1.2 - 10)) : tex[i + c]!;
      }
    }
    return out;
  };
}

function dsmTile(after: boolean) {
  return (x0: number, y0: number, w: number, h: number) => {
    const out = new Float32Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = 50 + 0.0005 * (x0 + x) + (after && roofAt(x0 + x, y0 + y) ? 4 : 0);
    return out;
  };
}

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-change-'));
try {
  const files = { before: path.join(dir, 'before.tif'), after: path.join(dir, 'after.tif'), beforeDsm: path.join(dir, 'before-dsm.tif'), afterDsm: path.join(dir, 'after-dsm.tif') };
  const base: TiledGeoTiff = { width: side, height: side, bands: 3, format: 'uint8', tileSize: 512, epsg: 32650, x0: ORIGIN[0], y0: ORIGIN[1], res: RES };
  // Pixel (x, y) of the after survey is the ground at base + (x, y), but its file claims base + OFFSET.
  const shifted = { ...base, x0: ORIGIN[0] + OFFSET[0], y0: ORIGIN[1] + OFFSET[1] };
  let t = performance.now();
  await writeTiledGeoTiff(files.before, base, orthoTile(false));
  await writeTiledGeoTiff(files.after, shifted, orthoTile(true));
  if (!values['no-dsm']) {
    await writeTiledGeoTiff(files.beforeDsm, { ...base, bands: 1, format: 'float32' }, dsmTile(false));
    await writeTiledGeoTiff(files.afterDsm, { ...shifted, bands: 1, format: 'float32' }, dsmTile(true));
  }
  const writeS = (performance.now() - t) / 1000;
  peakRss = 0;
  t = performance.now();
  const cpu = process.cpuUsage();
  const result = await compareOrthomosaics(values['no-dsm'] ? { before: files.before, after: files.after } : files, { workers });
  const compareS = (performance.now() - t) / 1000;
  const used = process.cpuUsage(cpu);
  // CPU time of every thread: what the comparison costs whatever else the machine is doing.
  const cpuS = (used.user + used.system) / 1e6;
  const km2 = (side * RES) ** 2 / 1e6;
  const roofs = Math.floor((side - 300) / ROOF.every + 1) ** 2;
  const count = (kind: string) => result.candidates.filter((c) => c.kind === kind).length;
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  console.log(`area measured     ${side} × ${side} px at ${RES} m = ${km2.toFixed(4)} km² (${values['no-dsm'] ? 'orthomosaics only' : 'orthomosaics and DSMs'})`);
  console.log(`writing the pair  ${writeS.toFixed(1)} s (not part of the comparison)`);
  console.log(`comparison        ${compareS.toFixed(1)} s on ${workers} thread(s), tiles dealt among them (${os.availableParallelism()} cores here, load ${os.loadavg()[0]!.toFixed(1)} before the run)`);
  console.log(`1 km² at 5 cm/px  ${((compareS / km2) / 60).toFixed(1)} min wall clock here, scaled linearly from the measured area`);
  console.log(`CPU time          ${cpuS.toFixed(1)} s = ${((cpuS / km2) / 60).toFixed(1)} CPU-min per km², so ${((cpuS / km2) / 60 / Math.min(2, workers)).toFixed(1)} min per km² on ${Math.min(2, workers)} otherwise idle core(s)`);
  console.log(`peak memory       ${(peakRss / 2 ** 20).toFixed(0)} MB rss during the comparison (sampled every 50 ms); process VmHWM ${hwm ? (Number(hwm) / 1024).toFixed(0) : '?'} MB`);
  console.log(`alignment         after moved ${result.alignment.east.toFixed(2)} m east, ${result.alignment.north.toFixed(2)} m north (planted: ${OFFSET[0]}, ${OFFSET[1]})`);
  console.log(`candidates        ${count('appearance')} appearance, ${count('rise')} rise; ${roofs} roofs planted`);
  for (const n of result.notes) console.log(`note              ${n}`);
} finally {
  clearInterval(sampler);
  await rm(dir, { recursive: true, force: true });
}
