// Street footage a fresh machine can make: real vehicle photos (darknet's pick-up, the labelme
// buses and van, the parked van of OpenCV's vtest.avi) cut out and driven with ffmpeg along
// paths over a real background (vtest.avi's plaza with its walkers removed by a temporal median).
// A composition file says which pictures, where each vehicle is when, and how long; the scenario
// replay renders it into a video (`compose:` in a scenario file). Pasted photos are not a street,
// but the detector, the embedder and the rules see real vehicles at real scales, and the footage
// states exactly which vehicle stood where and when, which is what the scenarios need.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface FootageSprite {
  /** A photo, or a video whose temporal median is taken (moving things vanish, parked ones stay). */
  image: string;
  /** [x1, y1, x2, y2] of the vehicle in the photo's pixels. */
  box: [number, number, number, number];
}

export interface FootageActor {
  sprite: string;
  /** [width, height] it is drawn at. */
  size: [number, number];
  flip?: boolean;
  /** [seconds, x, y] of its bottom-centre (where its wheels meet the road); it is drawn from the first time to the last. */
  path: Array<[number, number, number]>;
}

export interface FootagePlan {
  width: number;
  height: number;
  fps: number;
  seconds: number;
  background: FootageSprite | { image: string; median?: boolean };
  sprites: Record<string, FootageSprite & { median?: boolean }>;
  actors: FootageActor[];
  /**
   * Light over the whole picture: [seconds, brightness, contrast] points (ffmpeg eq: brightness
   * -1..1, 0 unchanged; contrast 0..3, 1 unchanged), linear between them, held at the ends. Dusk,
   * clouds, a lamp coming on: the scene changes, nothing is left in it.
   */
  lighting?: Array<[number, number, number]>;
}

export class FootagePlanError extends Error {
  override name = 'FootagePlanError';
}

/** Reads and checks a composition file; image paths become absolute (relative to the file). */
export async function loadFootagePlan(file: string): Promise<FootagePlan> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new FootagePlanError(`${file}: ${(error as Error).message}`);
  }
  return checkPlan(raw, file);
}

export function checkPlan(raw: unknown, file: string): FootagePlan {
  const fail = (field: string, problem: string): never => {
    throw new FootagePlanError(`${file}: ${field}: ${problem}`);
  };
  const obj = (v: unknown, field: string): Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : fail(field, 'must be an object');
  const num = (v: unknown, field: string, min: number, max: number): number =>
    typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max ? v : fail(field, `must be a number from ${min} to ${max}`);
  const dir = path.dirname(file);
  const p = obj(raw, 'top level');
  const width = num(p.width, 'width', 16, 4096);
  const height = num(p.height, 'height', 16, 4096);
  if (width % 2 || height % 2) fail('width', 'width and height must be even');
  const fps = num(p.fps, 'fps', 1, 30);
  const seconds = num(p.seconds, 'seconds', 1, 3600);
  const picture = (v: unknown, field: string, needBox: boolean) => {
    const s = obj(v, field);
    if (typeof s.image !== 'string' || !s.image) fail(`${field}.image`, 'must be a file path');
    const out: FootageSprite & { median?: boolean } = { image: path.resolve(dir, s.image as string), box: [0, 0, 0, 0] };
    if (s.median !== undefined) out.median = s.median === true;
    if (needBox || s.box !== undefined) {
      const b = s.box;
      if (!Array.isArray(b) || b.length !== 4 || !b.every((n) => typeof n === 'number' && n >= 0) || b[2] <= b[0] || b[3] <= b[1]) {
        fail(`${field}.box`, 'must be [x1, y1, x2, y2] pixels with x1 < x2 and y1 < y2');
      }
      out.box = b as [number, number, number, number];
    }
    return out;
  };
  const background = picture(p.background, 'background', false);
  const sprites: FootagePlan['sprites'] = {};
  for (const [name, s] of Object.entries(obj(p.sprites, 'sprites'))) sprites[name] = picture(s, `sprites.${name}`, true);
  if (!Array.isArray(p.actors)) fail('actors', 'must be a list');
  const actors = (p.actors as unknown[]).map((a, i): FootageActor => {
    const f = `actors[${i}]`;
    const o = obj(a, f);
    if (typeof o.sprite !== 'string' || !sprites[o.sprite]) fail(`${f}.sprite`, `must name one of the sprites (${Object.keys(sprites).join(', ')})`);
    const size = o.size;
    if (!Array.isArray(size) || size.length !== 2) fail(`${f}.size`, 'must be [width, height]');
    const [w, h] = (size as unknown[]).map((v, k) => Math.round(num(v, `${f}.size[${k}]`, 2, 4096)));
    const route = o.path;
    if (!Array.isArray(route) || route.length === 0) fail(`${f}.path`, 'must be a non-empty list of [seconds, x, y]');
    const points = (route as unknown[]).map((pt, k) => {
      if (!Array.isArray(pt) || pt.length !== 3) fail(`${f}.path[${k}]`, 'must be [seconds, x, y]');
      const [t, x, y] = pt as unknown[];
      return [num(t, `${f}.path[${k}][0]`, 0, seconds), num(x, `${f}.path[${k}][1]`, -4096, 8192), num(y, `${f}.path[${k}][2]`, -4096, 8192)] as [number, number, number];
    });
    points.forEach((pt, k) => k > 0 && pt[0] <= points[k - 1]![0] && fail(`${f}.path[${k}][0]`, 'times must increase'));
    return { sprite: o.sprite as string, size: [w!, h!], ...(o.flip === true ? { flip: true } : {}), path: points };
  });
  const lighting = p.lighting === undefined ? undefined : checkLighting(p.lighting, seconds, fail, num);
  return { width, height, fps, seconds, background, sprites, actors, ...(lighting ? { lighting } : {}) };
}

function checkLighting(
  raw: unknown,
  seconds: number,
  fail: (field: string, problem: string) => never,
  num: (v: unknown, field: string, min: number, max: number) => number,
): Array<[number, number, number]> {
  if (!Array.isArray(raw) || raw.length === 0) fail('lighting', 'must be a non-empty list of [seconds, brightness, contrast]');
  const points = (raw as unknown[]).map((pt, k): [number, number, number] => {
    if (!Array.isArray(pt) || pt.length !== 3) return fail(`lighting[${k}]`, 'must be [seconds, brightness, contrast]');
    return [num(pt[0], `lighting[${k}][0]`, 0, seconds), num(pt[1], `lighting[${k}][1]`, -1, 1), num(pt[2], `lighting[${k}][2]`, 0, 3)];
  });
  points.forEach((pt, k) => k > 0 && pt[0] <= points[k - 1]![0] && fail(`lighting[${k}][0]`, 'times must increase'));
  return points;
}

/** Renders the plan into an H.264 file at `out`; `work` holds intermediate pictures. */
export async function renderFootage(plan: FootagePlan, out: string, work: string): Promise<void> {
  const medians = new Map<string, Promise<string>>();
  const still = (pic: { image: string; median?: boolean }): Promise<string> => {
    if (!pic.median) return Promise.resolve(pic.image);
    let file = medians.get(pic.image);
    if (!file) {
      // PPM, not PNG: a looped still is decoded again for every frame, and a PNG's inflate was most
      // of a render's time; PPM holds the same rgb24 pixels and decodes as a copy.
      file = medianPicture(pic.image, path.join(work, `median-${medians.size}.ppm`));
      medians.set(pic.image, file);
    }
    return file;
  };
  const bg = await still(plan.background);
  const spriteFiles = new Map<string, string>();
  for (const [name, s] of Object.entries(plan.sprites)) spriteFiles.set(name, await still(s));

  const inputs = ['-loop', '1', '-framerate', String(plan.fps), '-t', String(plan.seconds), '-i', bg];
  const filters: string[] = [`[0:v]scale=${plan.width}:${plan.height},setsar=1,format=rgb24[base0]`];
  plan.actors.forEach((a, i) => {
    const s = plan.sprites[a.sprite]!;
    // One decoded picture: overlay repeats an input's last frame after it ends.
    inputs.push('-i', spriteFiles.get(a.sprite)!);
    const [x1, y1, x2, y2] = s.box.map(Math.round) as [number, number, number, number];
    const [w, h] = a.size;
    filters.push(`[${i + 1}:v]crop=${x2 - x1}:${y2 - y1}:${x1}:${y1},scale=${w}:${h}${a.flip ? ',hflip' : ''},format=rgb24[a${i}]`);
    const t0 = a.path[0]![0];
    const t1 = a.path[a.path.length - 1]![0];
    const x = piecewise(a.path.map(([t, px]) => [t, px - w / 2]));
    const y = piecewise(a.path.map(([t, , py]) => [t, py - h]));
    filters.push(`[base${i}][a${i}]overlay=x='${x}':y='${y}':eval=frame:enable='between(t,${t0},${t1})'[base${i + 1}]`);
  });
  const last = `[base${plan.actors.length}]`;
  const light = plan.lighting
    ? `,eq=brightness='${piecewise(plan.lighting.map(([t, b]) => [t, b]))}':contrast='${piecewise(plan.lighting.map(([t, , c]) => [t, c]))}':eval=frame`
    : '';
  filters.push(`${last}format=yuv420p${light}[out]`);
  await ffmpeg([
    ...inputs,
    '-filter_complex', filters.join(';'),
    '-map', '[out]',
    '-t', String(plan.seconds),
    '-r', String(plan.fps),
    '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18', '-g', String(plan.fps * 2), '-an',
    out,
  ]);
}

/** An ffmpeg expression in t through the points, held at the ends. */
export function piecewise(points: ReadonlyArray<readonly [number, number]>): string {
  const fmt = (v: number) => String(Math.round(v * 1000) / 1000);
  let expr = fmt(points[points.length - 1]![1]);
  for (let k = points.length - 1; k > 0; k--) {
    const [ta, va] = points[k - 1]!;
    const [tb, vb] = points[k]!;
    const slope = (vb - va) / (tb - ta);
    expr = `if(lt(t,${fmt(tb)}),${fmt(va)}+${fmt(slope)}*(t-${fmt(ta)}),${expr})`;
  }
  return expr;
}

/** About 25 pictures spread over the video through a 25-wide temporal median: what stands still stays. */
async function medianPicture(video: string, file: string): Promise<string> {
  const frames = await frameCount(video);
  const every = Math.max(1, Math.floor(frames / 27));
  await ffmpeg(['-i', video, '-vf', `select='not(mod(n\\,${every}))',tmedian=radius=12,select='eq(n\\,1)'`, '-frames:v', '1', '-fps_mode', 'passthrough', file]);
  return file;
}

async function frameCount(video: string): Promise<number> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-count_packets', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_packets', '-of', 'csv=p=0', video]);
  const n = Number.parseInt(stdout.trim(), 10);
  if (!Number.isFinite(n) || n <= 0) throw new FootagePlanError(`${video}: no video frames`);
  return n;
}

async function ffmpeg(args: string[]): Promise<void> {
  try {
    await run('ffmpeg', ['-nostdin', '-v', 'error', '-y', ...args], { maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? (error as Error).message).trim().split('\n').slice(-3).join(' | ');
    throw new Error(`ffmpeg could not compose the footage: ${stderr}`);
  }
}
