// Rendered footage kept by what decides its pixels: the same plan is rendered once and served as
// the renderer makes it, a changed picture or plan is rendered anew, and `eval -- rules` keeps its
// renders where EVAL_FOOTAGE_CACHE says. Real photos, vtest.avi's median background, real ffmpeg.
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cachedFootage, footageKey } from '../../models/evaluate/footage-cache.ts';
import { checkPlan, loadFootagePlan, renderFootage, type FootagePlan } from '../../models/evaluate/street-footage.ts';
import { REPO_ROOT, samplePath } from '../support/samples.ts';
import { runScript } from '../support/run-script.ts';

const run = promisify(execFile);
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'footage-cache-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The pick-up parked on vtest's emptied plaza for `seconds`, its photo at `pickup`. */
function plan(pickup: string, seconds = 2): FootagePlan {
  return checkPlan(
    {
      width: 384,
      height: 288,
      fps: 5,
      seconds,
      background: { image: samplePath('opencv/vtest.avi'), median: true },
      sprites: { pickup: { image: pickup, box: [462, 70, 698, 172] } },
      actors: [{ sprite: 'pickup', size: [120, 52], path: [[0, 190, 150], [seconds, 190, 150]] }],
    },
    path.join(dir, 'plan.json'),
  );
}

/** One md5 a decoded frame: equal lists are equal pictures, whatever the container says. */
async function frameHashes(video: string): Promise<string[]> {
  const { stdout } = await run('ffmpeg', ['-nostdin', '-v', 'error', '-i', video, '-f', 'framemd5', '-'], { maxBuffer: 1 << 20 });
  return stdout.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(',').pop()!.trim());
}

describe('cachedFootage', () => {
  it('renders a plan once, under its key, as renderFootage itself renders it', async () => {
    const cache = path.join(dir, 'once');
    const p = plan(samplePath('darknet/dog.jpg'));
    const file = await cachedFootage(p, cache);
    expect(path.basename(file)).toBe(`${await footageKey(p)}.mp4`);
    const first = await stat(file);
    expect(await cachedFootage(p, cache)).toBe(file);
    // Not rendered again: the same file, untouched, and no work folder left.
    expect((await stat(file)).mtimeMs).toBe(first.mtimeMs);
    expect(await readdir(cache)).toEqual([path.basename(file)]);

    const direct = path.join(dir, 'direct.mp4');
    const work = await mkdtemp(path.join(dir, 'work-'));
    await renderFootage(p, direct, work);
    const frames = await frameHashes(file);
    expect(frames).toHaveLength(10);
    expect(frames).toEqual(await frameHashes(direct));
  }, 60_000);

  it('renders anew when a picture or the plan changes, never serving the old footage', async () => {
    const cache = path.join(dir, 'changes');
    const photo = path.join(dir, 'pickup.jpg');
    await copyFile(samplePath('darknet/dog.jpg'), photo);
    const before = await cachedFootage(plan(photo), cache);
    // Another photo at the same path: the same plan, other bytes.
    await copyFile(samplePath('darknet/person.jpg'), photo);
    const otherPhoto = await cachedFootage(plan(photo), cache);
    expect(otherPhoto).not.toBe(before);
    expect(await frameHashes(otherPhoto)).not.toEqual(await frameHashes(before));
    const longer = await cachedFootage(plan(photo, 3), cache);
    expect(longer).not.toBe(otherPhoto);
    expect(await frameHashes(longer)).toHaveLength(15);
  }, 90_000);

  it('names a picture that cannot be read', async () => {
    const missing = path.join(dir, 'gone.jpg');
    await expect(cachedFootage(plan(missing), path.join(dir, 'missing'))).rejects.toThrow(`${missing}: cannot be read for the footage (ENOENT)`);
  });
});

describe('npm run eval -- rules with EVAL_FOOTAGE_CACHE', () => {
  it('keeps a composed scenario\'s footage in that folder, under the key of its plan', async () => {
    const cache = path.join(dir, 'eval');
    const composition = path.join(dir, 'parked.json');
    await writeFile(
      composition,
      JSON.stringify({
        width: 768,
        height: 576,
        fps: 5,
        seconds: 6,
        background: { image: samplePath('opencv/vtest.avi'), median: true },
        sprites: { pickup: { image: samplePath('darknet/dog.jpg'), box: [462, 70, 698, 172] } },
        actors: [{ sprite: 'pickup', size: [236, 102], path: [[0, 384, 215], [6, 384, 215]] }],
      }),
    );
    const scenarios = path.join(dir, 'scenarios.yaml');
    await writeFile(
      scenarios,
      [
        '- name: parked-briefly',
        `  compose: ${composition}`,
        `  camera: ${path.join(REPO_ROOT, 'samples/scenarios/cameras/street-kerb.json')}`,
        '  expect:',
        '    - { none: street_vending }',
      ].join('\n'),
    );
    const { code, stdout, stderr } = await runScript('scripts/eval.ts', ['rules', '--scenarios', scenarios, '--json'], { env: { EVAL_FOOTAGE_CACHE: cache } });
    expect(code, stderr).toBe(0);
    // Replayed from the kept file: its 6 s were read at the camera's 2 fps.
    const replay = JSON.parse(stdout).scenarios[0] as { scenario: string; frames: number };
    expect(replay.scenario).toBe('parked-briefly');
    expect(replay.frames).toBeGreaterThanOrEqual(10);
    expect(await readdir(cache)).toEqual([`${await footageKey(await loadFootagePlan(composition))}.mp4`]);
  }, 120_000);
});
