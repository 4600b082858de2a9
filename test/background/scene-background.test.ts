// The long-term background on real photos: darknet's dog.jpg as the scene, a real plastic bag cut
// from a labelme sample (2011_000003.jpg, hanging at the top) pasted on the pavement, and lighting
// changed the way dusk, clouds and headlights change it (gain, offset, contrast, a bright patch).
import sharp, { type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import type { Frame } from '../../contracts/types.ts';
import { blockBox, blockGrid } from '../../pipeline/background/block-grid.ts';
import { changedRegions } from '../../pipeline/background/changed-regions.ts';
import { createSceneBackground } from '../../pipeline/background/scene-background.ts';
import { samplePath } from '../support/samples.ts';

const SCENE = 'darknet/dog.jpg';
/** The bag in 2011_000003.jpg (pixels of that photo). */
const BAG = { left: 231, top: 0, width: 26, height: 27 };
/** Where it is dropped in dog.jpg (768x576): on the pavement left of the bicycle, scaled to 60x62. */
const DROP = { left: 40, top: 470, width: 60, height: 62 };

async function frameOf(image: Sharp, at: number): Promise<Frame> {
  const { data, info } = await image.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { sourceId: 'bg-test', capturedAt: new Date(at * 1000), width: info.width, height: info.height, pixels: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

async function withBag(base: Sharp): Promise<Sharp> {
  const bag = await sharp(samplePath('labelme/annotated/2011_000003.jpg')).extract(BAG).resize(DROP.width, DROP.height).png().toBuffer();
  return sharp(await base.png().toBuffer()).composite([{ input: bag, left: DROP.left, top: DROP.top }]);
}

const scene = () => sharp(samplePath(SCENE));
const ALL = (n: number) => new Uint8Array(n).fill(1);

async function learnedBackground() {
  const bg = createSceneBackground();
  const grid = blockGrid(await frameOf(scene(), 0));
  bg.learn(grid, ALL(grid.cols * grid.rows), new Date(0));
  return bg;
}

const count = (mask: Uint8Array) => mask.reduce((n, v) => n + v, 0);

describe('scene background', () => {
  it('sees nothing new in the same scene under other light: dusk, overcast, strong sun, a bright patch', async () => {
    const bg = await learnedBackground();
    const lightings: Array<[string, Sharp]> = [
      ['dusk (darker, less contrast)', scene().linear(0.55, 5)],
      ['deep dusk', scene().linear(0.35, 8)],
      ['brighter sun', scene().linear(1.2, 15)],
      ['flat overcast', scene().linear(0.8, 30)],
      ['headlight patch over the lower half', sharp(await scene().png().toBuffer()).composite([{ input: await sharp({ create: { width: 768, height: 288, channels: 4, background: { r: 255, g: 255, b: 220, alpha: 0.18 } } }).png().toBuffer(), left: 0, top: 288 }])],
    ];
    for (const [name, image] of lightings) {
      const grid = blockGrid(await frameOf(image, 10));
      const { changed } = bg.compare(grid);
      // A stray block at the patch's edge is allowed; no region a left object would be judged on.
      const regions = changedRegions(grid, changed).filter((r) => r.blocks.length >= 4);
      expect({ name, regions: regions.map((r) => r.box) }).toEqual({ name, regions: [] });
      expect(count(changed), name).toBeLessThanOrEqual(3);
    }
  });

  it('finds a real bag dropped on the pavement, where it lies, also at dusk', async () => {
    const bg = await learnedBackground();
    for (const [name, image] of [
      ['daylight', await withBag(scene())],
      ['dusk', (await withBag(scene())).linear(0.6, 5)],
    ] as const) {
      const grid = blockGrid(await frameOf(image, 20));
      const regions = changedRegions(grid, bg.compare(grid).changed);
      const big = regions.filter((r) => r.blocks.length >= 4);
      expect(big, name).toHaveLength(1);
      const [x1, y1, x2, y2] = big[0]!.box;
      // The region is the bag, give or take a block (16 px) each side.
      expect(x1, name).toBeGreaterThanOrEqual(DROP.left - 16);
      expect(y1, name).toBeGreaterThanOrEqual(DROP.top - 16);
      expect(x2, name).toBeLessThanOrEqual(DROP.left + DROP.width + 16);
      expect(y2, name).toBeLessThanOrEqual(DROP.top + DROP.height + 16);
      expect(big[0]!.area, name).toBeGreaterThan(0.5 * DROP.width * DROP.height);
    }
  });

  it('learns only where it is allowed, slowly, and takes an absorbed thing as part of the scene', async () => {
    const bg = await learnedBackground();
    const bagged = await frameOf(await withBag(scene()), 30);
    const grid = blockGrid(bagged);
    const bagBlocks = changedRegions(grid, bg.compare(grid).changed).flatMap((r) => r.blocks);
    expect(bagBlocks.length).toBeGreaterThan(0);
    // Ten seconds of learning everywhere, with a two-minute time constant: the bag is still new.
    bg.learn(grid, ALL(grid.cols * grid.rows), new Date(40_000));
    const stillNew = changedRegions(grid, bg.compare(grid).changed).flatMap((r) => r.blocks);
    expect(stillNew.length).toBeGreaterThan(bagBlocks.length / 2);
    // Learning forbidden where the bag is, for an hour: it stays new.
    const elsewhere = ALL(grid.cols * grid.rows);
    for (const k of bagBlocks) elsewhere[k] = 0;
    bg.learn(grid, elsewhere, new Date(3_640_000));
    expect(changedRegions(grid, bg.compare(grid).changed).flatMap((r) => r.blocks)).toEqual(expect.arrayContaining(stillNew));
    bg.absorb(grid, bagBlocks, new Date(3_650_000));
    expect(count(bg.compare(grid).changed)).toBe(0);
  });

  it('judges nothing it has never seen free (the first frame had something on those blocks)', async () => {
    const bg = createSceneBackground();
    const first = blockGrid(await frameOf(scene(), 0));
    const n = first.cols * first.rows;
    const learnable = ALL(n);
    const hidden = Array.from({ length: n }, (_, k) => k).filter((k) => blockBox(first, k)[0] < 200);
    for (const k of hidden) learnable[k] = 0;
    bg.learn(first, learnable, new Date(0));
    const grid = blockGrid(await frameOf(await withBag(scene()), 5));
    const { changed, known } = bg.compare(grid);
    expect(hidden.every((k) => known[k] === 0 && changed[k] === 0)).toBe(true);
  });

  it('refuses a time constant that is not positive', () => {
    expect(() => createSceneBackground({ learnSeconds: 0 })).toThrow(/learnSeconds must be above 0, got 0/);
  });

  it('tells a thing left, also on uneven ground, from the ground showing where a thing went (a ghost)', async () => {
    // 1280x720, the bag on the kerb-side pavement at the bottom left, where the ground itself stands out.
    const wide = await sharp(samplePath(SCENE)).resize(1280, 720).png().toBuffer();
    const bag = await sharp(samplePath('labelme/annotated/2011_000003.jpg')).extract(BAG).resize(107, 107).png().toBuffer();
    const withIt = await sharp(wide).composite([{ input: bag, left: 128, top: 576 }]).png().toBuffer();
    const judge = async (learned: Buffer, now: Buffer) => {
      const bg = createSceneBackground();
      const first = blockGrid(await frameOf(sharp(learned), 0));
      bg.learn(first, ALL(first.cols * first.rows), new Date(0));
      const grid = blockGrid(await frameOf(sharp(now), 10));
      const regions = changedRegions(grid, bg.compare(grid).changed).filter((r) => r.blocks.length >= 4);
      expect(regions).toHaveLength(1);
      return bg.isGhost(grid, regions[0]!.blocks);
    };
    expect(await judge(wide, withIt)).toBe(false);
    // On the plain pavement of the 768x576 picture: the bag is no ghost, the pavement showing after it went is one.
    const plain = await scene().png().toBuffer();
    const bagged = await (await withBag(scene())).png().toBuffer();
    expect(await judge(plain, bagged)).toBe(false);
    expect(await judge(bagged, plain)).toBe(true);
  });
});
