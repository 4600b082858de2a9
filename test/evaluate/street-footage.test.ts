// Composed street footage (`compose:` scenarios): a real photo's vehicle driven along its path over
// a background, rendered by ffmpeg; and composition files that cannot be used, refused by field.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPlan, loadFootagePlan, piecewise, renderFootage, type FootagePlan } from '../../models/evaluate/street-footage.ts';
import { samplePath } from '../support/samples.ts';

const run = promisify(execFile);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'street-footage-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Mean RGB of a region of frame `n` of the video. */
async function meanColour(video: string, n: number, region: { left: number; top: number; width: number; height: number }): Promise<number[]> {
  const png = path.join(dir, `frame-${n}.png`);
  await run('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-i', video, '-vf', `select='eq(n\\,${n})'`, '-frames:v', '1', '-fps_mode', 'passthrough', png]);
  // stats() reads the input, not the pipeline: cut the region out first.
  const { channels } = await sharp(await sharp(png).extract(region).png().toBuffer()).stats();
  return channels.slice(0, 3).map((c) => c.mean);
}

describe('renderFootage', () => {
  it("drives darknet's pick-up across a grey road at the plan's times", async () => {
    const background = path.join(dir, 'road.png');
    await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 90, g: 90, b: 90 } } }).png().toFile(background);
    const file = path.join(dir, 'plan.json');
    await writeFile(
      file,
      JSON.stringify({
        width: 320,
        height: 240,
        fps: 5,
        seconds: 4,
        background: { image: background },
        sprites: { pickup: { image: samplePath('darknet/dog.jpg'), box: [462, 70, 698, 172] } },
        // Stands at x 80 for 2 s, then drives to x 240 by 3 s and stays.
        actors: [{ sprite: 'pickup', size: [100, 44], path: [[0, 80, 200], [2, 80, 200], [3, 240, 200], [4, 240, 200]] }],
      }),
    );
    const video = path.join(dir, 'footage.mp4');
    await renderFootage(await loadFootagePlan(file), video, dir);
    const { stdout } = await run('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames,width,height', '-of', 'csv=p=0', video]);
    expect(stdout.trim()).toBe('320,240,20');
    const left = { left: 40, top: 165, width: 80, height: 30 };
    const right = { left: 200, top: 165, width: 80, height: 30 };
    const grey = (c: number[]) => c.every((v) => Math.abs(v - 90) < 6);
    // The white pick-up is where the plan puts it, and the road shows where it is not.
    expect(grey(await meanColour(video, 2, left))).toBe(false);
    expect(grey(await meanColour(video, 2, right))).toBe(true);
    expect(grey(await meanColour(video, 18, left))).toBe(true);
    expect(grey(await meanColour(video, 18, right))).toBe(false);
  }, 60_000);

  it("changes the light of the whole picture along the plan's lighting points (dusk), nothing else", async () => {
    const plan = checkPlan(
      { width: 320, height: 240, fps: 5, seconds: 4, background: { image: samplePath('darknet/dog.jpg') }, sprites: {}, actors: [], lighting: [[0, 0, 1], [1, 0, 1], [3, -0.3, 0.7]] },
      path.join(dir, 'dusk.json'),
    );
    const video = path.join(dir, 'dusk.mp4');
    await renderFootage(plan, video, dir);
    const whole = { left: 0, top: 0, width: 320, height: 240 };
    const luma = async (n: number) => (await meanColour(video, n, whole)).reduce((a, b) => a + b, 0) / 3;
    const [start, held, dusk] = [await luma(0), await luma(4), await luma(18)];
    expect(Math.abs(held - start)).toBeLessThan(2);
    expect(dusk).toBeLessThan(start - 40);
  }, 60_000);

  it('holds the ends and interpolates between points', () => {
    expect(piecewise([[0, 10]])).toBe('10');
    expect(piecewise([[0, 10], [2, 30]])).toBe('if(lt(t,2),10+10*(t-0),30)');
  });
});

describe('checkPlan', () => {
  const good: FootagePlan = {
    width: 64,
    height: 48,
    fps: 5,
    seconds: 2,
    background: { image: 'bg.png' },
    sprites: { car: { image: 'car.jpg', box: [0, 0, 10, 10] } },
    actors: [{ sprite: 'car', size: [10, 10], path: [[0, 5, 5]] }],
  };
  const errorOf = (patch: (p: Record<string, unknown>) => void): string => {
    const p = structuredClone(good) as unknown as Record<string, unknown>;
    patch(p);
    try {
      checkPlan(p, '/plans/x.json');
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error('accepted');
  };

  it('resolves pictures against the file and keeps a good plan', () => {
    const plan = checkPlan(structuredClone(good), '/plans/x.json');
    expect(plan.background.image).toBe('/plans/bg.png');
    expect(plan.sprites.car!.image).toBe('/plans/car.jpg');
  });

  it('names the field of each bad value', () => {
    expect(errorOf((p) => (p.width = 63))).toBe('/plans/x.json: width: width and height must be even');
    expect(errorOf((p) => (p.fps = 0))).toBe('/plans/x.json: fps: must be a number from 1 to 30');
    expect(errorOf((p) => ((p.sprites as Record<string, { box: number[] }>).car!.box = [5, 0, 1, 10]))).toBe(
      '/plans/x.json: sprites.car.box: must be [x1, y1, x2, y2] pixels with x1 < x2 and y1 < y2',
    );
    expect(errorOf((p) => ((p.actors as Array<{ sprite: string }>)[0]!.sprite = 'bus'))).toBe('/plans/x.json: actors[0].sprite: must name one of the sprites (car)');
    expect(errorOf((p) => ((p.actors as Array<{ path: unknown }>)[0]!.path = [[1, 0, 0], [1, 5, 5]]))).toBe('/plans/x.json: actors[0].path[1][0]: times must increase');
    expect(errorOf((p) => ((p.actors as Array<{ path: unknown }>)[0]!.path = [[3, 0, 0]]))).toBe('/plans/x.json: actors[0].path[0][0]: must be a number from 0 to 2');
    expect(errorOf((p) => (p.lighting = []))).toBe('/plans/x.json: lighting: must be a non-empty list of [seconds, brightness, contrast]');
    expect(errorOf((p) => (p.lighting = [[0, -0.2]]))).toBe('/plans/x.json: lighting[0]: must be [seconds, brightness, contrast]');
    expect(errorOf((p) => (p.lighting = [[0, -1.5, 1]]))).toBe('/plans/x.json: lighting[0][1]: must be a number from -1 to 1');
    expect(errorOf((p) => (p.lighting = [[0, 0, 4]]))).toBe('/plans/x.json: lighting[0][2]: must be a number from 0 to 3');
    expect(errorOf((p) => (p.lighting = [[1, 0, 1], [1, -0.2, 1]]))).toBe('/plans/x.json: lighting[1][0]: times must increase');
    expect(errorOf((p) => (p.lighting = [[5, 0, 1]]))).toBe('/plans/x.json: lighting[0][0]: must be a number from 0 to 2');
  });

  it('says which file is not JSON', async () => {
    const file = path.join(dir, 'broken.json');
    await writeFile(file, '{ "width": ');
    await expect(loadFootagePlan(file)).rejects.toThrow(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: `));
  });
});
