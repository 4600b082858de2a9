// Runs one rule-evaluation scenario through the real camera pipeline (watchCamera: ffmpeg ingest,
// motion gate, detector, tracker, rules), as a replay: the file is read as fast as the machine
// allows and scene time comes from the video's own timestamps, starting at the scenario's start.
// A still, a folder of frames or a footage composition is first made into a video with ffmpeg.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { CameraConfig } from '../../contracts/camera.ts';
import type { Logger } from '../../infra/logger.ts';
import type { CameraHealth } from '../../pipeline/cameras/camera-watch.ts';
import { watchCamera } from '../../pipeline/cameras/camera-watch.ts';
import type { FrameDetector } from '../../pipeline/cameras/detector-queue.ts';
import type { Scenario, ScenarioSource } from './scenarios.ts';
import { cachedFootage } from './footage-cache.ts';
import { loadFootagePlan, renderFootage } from './street-footage.ts';
import type { RaisedViolation } from './violation-metrics.ts';

const run = promisify(execFile);
const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp'];

export interface ScenarioRun {
  raised: RaisedViolation[];
  /** Warnings of two-stage rules, for the JSON report. */
  warnings: RaisedViolation[];
  health: CameraHealth;
  /** Wall-clock seconds the replay took. */
  seconds: number;
}

/** A scenario's source as a video file, and the removal of whatever was made for it. */
export interface ScenarioVideo {
  file: string;
  dispose(): Promise<void>;
}

/** Makes the video of a source (a still, frames or a composition are encoded in a folder of their own). */
export async function prepareScenarioVideo(source: ScenarioSource): Promise<ScenarioVideo> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'eval-rules-'));
  const dispose = () => rm(work, { recursive: true, force: true });
  try {
    return { file: await videoOf(source, work), dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}

/** `prepared`: the scenario's video when it was made ahead (scenario-videos.ts); it is disposed of here. */
export async function runScenario(scenario: Scenario, config: CameraConfig, detector: FrameDetector, logger: Logger, prepared?: Promise<ScenarioVideo>): Promise<ScenarioRun> {
  const made = await (prepared ?? prepareScenarioVideo(scenario.source));
  try {
    const video = made.file;
    const started = performance.now();
    const t0 = scenario.start.getTime();
    const secondsIn = (d: Date) => Math.round((d.getTime() - t0) / 10) / 100;
    const raised: RaisedViolation[] = [];
    const warnings: RaisedViolation[] = [];
    const watch = watchCamera({
      // The source replaces the config's url (which may be a real camera).
      config: { ...config, url: video },
      detector,
      logger: logger.child({ scenario: scenario.name }),
      // A file replay takes its first frame's time from the clock, the rest from the video.
      clock: () => new Date(t0),
      stream: { realtime: false, loop: false },
      sink: async (v) => {
        const reason = v.attributes?.reason;
        raised.push({ type: v.type, zone: v.zoneId ?? '', at: secondsIn(v.observedAt), trackId: v.trackId, label: v.label, ...(typeof reason === 'string' ? { reason } : {}) });
      },
      onWarning: (w) => void warnings.push({ type: w.type, zone: w.zoneId, at: secondsIn(w.observedAt), trackId: w.trackId, label: w.label }),
    });
    await watch.done;
    const health = watch.health();
    if (health.frames === 0) throw new Error(`scenario "${scenario.name}": no frame could be read from ${describe(scenario.source)}${health.lastError ? ` (${health.lastError})` : ''}`);
    return { raised, warnings, health, seconds: (performance.now() - started) / 1000 };
  } finally {
    await made.dispose();
  }
}

function describe(source: ScenarioSource): string {
  return source.kind === 'frames' ? source.dir : source.path;
}

/** A video file for the source: the video itself, or one made from a still or a folder of frames. */
async function videoOf(source: ScenarioSource, work: string): Promise<string> {
  const even = ['-vf', 'scale=trunc(iw/2)*2:trunc(ih/2)*2'];
  const encode = ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18', '-pix_fmt', 'yuv420p', '-an'];
  if (source.kind === 'video') {
    await mustExist(source.path, 'file');
    return source.path;
  }
  const out = path.join(work, 'scenario.mp4');
  if (source.kind === 'compose') {
    await mustExist(source.path, 'file');
    const plan = await loadFootagePlan(source.path);
    // A folder of renders kept by whoever runs this (a test that rendered the same footage already).
    const cache = process.env.EVAL_FOOTAGE_CACHE;
    if (cache) return cachedFootage(plan, cache);
    await renderFootage(plan, out, work);
    return out;
  }
  if (source.kind === 'still') {
    await mustExist(source.path, 'file');
    await ffmpeg(['-loop', '1', '-framerate', String(source.fps), '-i', source.path, '-t', String(source.seconds), ...even, ...encode, '-tune', 'stillimage', '-g', String(Math.ceil(2 * source.fps)), out]);
    return out;
  }
  await mustExist(source.dir, 'folder');
  const frames = (await readdir(source.dir)).filter((f) => IMAGE_EXTENSIONS.includes(path.extname(f).toLowerCase())).sort();
  if (frames.length === 0) throw new Error(`${source.dir}: no image files (${IMAGE_EXTENSIONS.join(' ')})`);
  // Linked as 000000.ext, 000001.ext, … so ffmpeg's image2 reader takes them in name order at the given rate.
  const ext = path.extname(frames[0]!).toLowerCase();
  const other = frames.find((f) => path.extname(f).toLowerCase() !== ext);
  if (other) throw new Error(`${source.dir}: frames must all be of one type (${frames[0]} and ${other})`);
  const seq = path.join(work, 'frames');
  await mkdir(seq);
  await Promise.all(frames.map((f, i) => symlink(path.resolve(source.dir, f), path.join(seq, `${String(i).padStart(6, '0')}${ext}`))));
  await ffmpeg(['-framerate', String(source.fps), '-start_number', '0', '-i', path.join(seq, `%06d${ext}`), ...even, ...encode, out]);
  return out;
}

async function ffmpeg(args: string[]): Promise<void> {
  try {
    await run('ffmpeg', ['-nostdin', '-v', 'error', '-y', ...args], { maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? (error as Error).message).trim().split('\n').slice(-3).join(' | ');
    throw new Error(`ffmpeg could not make the scenario video: ${stderr}`);
  }
}

async function mustExist(p: string, what: 'file' | 'folder'): Promise<void> {
  const s = await stat(p).catch(() => undefined);
  if (!s || (what === 'file' ? !s.isFile() : !s.isDirectory())) {
    throw new Error(`${p}: no such ${what}${p.includes(`${path.sep}samples${path.sep}cache${path.sep}`) ? ' (samples/cache is filled by `npm run setup`)' : ''}`);
  }
}
