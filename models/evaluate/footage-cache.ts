// Rendered footage kept in a folder and named by everything that decides its pixels: the plan
// (absolute picture paths and every time), the bytes of each picture and video it uses, the
// renderer's own source and ffmpeg's version. A test that renders a composition and then runs
// `eval -- rules` on the same one (EVAL_FOOTAGE_CACHE) renders it once; a changed photo, plan,
// renderer or ffmpeg is a different name, so nothing stale is ever replayed.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { renderFootage, type FootagePlan } from './street-footage.ts';

const run = promisify(execFile);
const RENDERER = fileURLToPath(new URL('./street-footage.ts', import.meta.url));

/** The video of `plan` in `dir`, rendered there first if no earlier render of the same footage is. */
export async function cachedFootage(plan: FootagePlan, dir: string): Promise<string> {
  const file = path.join(dir, `${await footageKey(plan)}.mp4`);
  if ((await stat(file).catch(() => undefined))?.isFile()) return file;
  await mkdir(dir, { recursive: true });
  // Rendered aside and renamed into place: a reader (another test process) sees the whole file or none.
  const work = await mkdtemp(path.join(dir, 'render-'));
  try {
    const out = path.join(work, 'footage.mp4');
    await renderFootage(plan, out, work);
    await rename(out, file);
    return file;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** A sha256 (hex) of what decides the rendered pixels. */
export async function footageKey(plan: FootagePlan): Promise<string> {
  const pictures = [...new Set([plan.background.image, ...Object.values(plan.sprites).map((s) => s.image)])];
  const hash = createHash('sha256').update(JSON.stringify(plan));
  for (const picture of pictures) hash.update(`\n${picture}\n`).update(await sha256(picture));
  hash.update(await sha256(RENDERER)).update(await ffmpegVersion());
  return hash.digest('hex');
}

async function sha256(file: string): Promise<string> {
  try {
    return createHash('sha256').update(await readFile(file)).digest('hex');
  } catch (error) {
    throw new Error(`${file}: cannot be read for the footage (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

let version: Promise<string> | undefined;
function ffmpegVersion(): Promise<string> {
  version ??= run('ffmpeg', ['-version']).then(({ stdout }) => stdout.split('\n')[0]!.trim());
  version.catch(() => (version = undefined));
  return version;
}
