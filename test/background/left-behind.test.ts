// The left-behind watch over scene time on real pictures: darknet's dog.jpg as a camera's view, a
// real plastic bag (cut from labelme's 2011_000003.jpg) dropped on its pavement, lighting changes,
// and tracked objects as the tracker hands them over (the whole camera path, with the real detector
// and tracker, is test/background/left-behind-camera.test.ts).
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CameraConfig } from '../../contracts/camera.ts';
import type { Box, Frame } from '../../contracts/types.ts';
import { createLeftBehindWatch, LEFT_BEHIND_LABEL, type LeftBehindFinding } from '../../pipeline/background/left-behind.ts';
import type { TrackedObject } from '../../pipeline/track/tracked-object.ts';
import { samplePath } from '../support/samples.ts';

const BAG = { left: 231, top: 0, width: 26, height: 27 };
const DROP = { left: 40, top: 470, width: 60, height: 62 };
const DROP_BOX: Box = [DROP.left, DROP.top, DROP.left + DROP.width, DROP.top + DROP.height];

const camera = (zone: Partial<CameraConfig['zones'][number]> = {}): CameraConfig => ({
  id: 'left-behind-test',
  name: 'left-behind-test',
  url: 'file:///dev/null',
  zones: [{ id: 'pavement', kind: 'sidewalk', polygon: [[0, 0.7], [0.45, 0.7], [0.45, 1], [0, 1]], persistSeconds: 30, ...zone }],
});

let empty: Buffer;
let bagged: Buffer;

beforeAll(async () => {
  empty = await sharp(samplePath('darknet/dog.jpg')).png().toBuffer();
  const bag = await sharp(samplePath('labelme/annotated/2011_000003.jpg')).extract(BAG).resize(DROP.width, DROP.height).png().toBuffer();
  bagged = await sharp(empty).composite([{ input: bag, left: DROP.left, top: DROP.top }]).png().toBuffer();
});

async function frame(picture: Buffer, t: number, light: [number, number] = [1, 0]): Promise<Frame> {
  const { data, info } = await sharp(picture).linear(light[0], light[1]).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { sourceId: 'left-behind-test', capturedAt: new Date(Date.UTC(2026, 4, 4, 2) + t * 1000), width: info.width, height: info.height, pixels: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

function person(box: Box, t: number, visible = true): TrackedObject {
  const at = new Date(Date.UTC(2026, 4, 4, 2) + t * 1000);
  return { id: 7, label: 'person', box, score: 0.8, visible, hiddenSeconds: 0, history: [{ at, box, score: 0.8 }], firstSeen: at, lastSeen: at, stationarySince: at };
}

interface Step {
  t: number;
  picture: Buffer;
  light?: [number, number];
  tracks?: TrackedObject[];
}

async function replay(config: CameraConfig, steps: Step[]): Promise<Array<LeftBehindFinding & { t: number }>> {
  const watch = createLeftBehindWatch(config);
  const out: Array<LeftBehindFinding & { t: number }> = [];
  for (const s of steps) for (const f of watch.update(await frame(s.picture, s.t, s.light), s.tracks ?? [])) out.push({ ...f, t: s.t });
  return out;
}

const every5 = (from: number, to: number) => Array.from({ length: Math.floor((to - from) / 5) + 1 }, (_, i) => from + 5 * i);

describe('left-behind watch', () => {
  it('raises one exposed_garbage for a bag left on the pavement, once it has stayed persistSeconds, with the frame before it appeared', async () => {
    const steps = every5(0, 120).map((t) => ({ t, picture: t < 20 ? empty : bagged }));
    const found = await replay(camera(), steps);
    expect(found.map((f) => f.t)).toEqual([50]);
    const { event, before } = found[0]!;
    expect(event).toMatchObject({ kind: 'violation', type: 'exposed_garbage', zoneId: 'pavement', label: LEFT_BEHIND_LABEL, modelId: 'scene-background' });
    expect(event.startedAt.getTime() - Date.UTC(2026, 4, 4, 2)).toBe(20_000);
    expect(before.capturedAt.getTime() - Date.UTC(2026, 4, 4, 2)).toBe(15_000);
    expect(String(event.attributes?.reason)).toMatch(/unidentified object left behind: differs from the empty scene since 02:00:20 UTC \(30 s needed\)/);
    const [x1, y1, x2, y2] = event.box;
    expect(x1).toBeGreaterThanOrEqual(DROP_BOX[0] - 16);
    expect(y1).toBeGreaterThanOrEqual(DROP_BOX[1] - 16);
    expect(x2).toBeLessThanOrEqual(DROP_BOX[2] + 16);
    expect(y2).toBeLessThanOrEqual(DROP_BOX[3] + 16);
  });

  it('raises nothing when the light changes slowly from noon to dusk and back', async () => {
    const steps = every5(0, 300).map((t) => {
      const k = t <= 150 ? t / 150 : (300 - t) / 150;
      return { t, picture: empty, light: [1 - 0.6 * k, 6 * k] as [number, number] };
    });
    expect(await replay(camera(), steps)).toEqual([]);
  });

  it('still finds the bag when it is dropped at dusk', async () => {
    const steps = every5(0, 90).map((t) => ({ t, picture: t < 20 ? empty : bagged, light: [1 - 0.004 * t, 0] as [number, number] }));
    expect((await replay(camera(), steps)).map((f) => f.t)).toEqual([50]);
  });

  it('raises nothing for a tracked person standing where the bag is (the person is the change)', async () => {
    const standing: Box = [DROP.left - 10, DROP.top - 120, DROP.left + DROP.width + 10, DROP.top + DROP.height];
    const steps = every5(0, 120).map((t) => ({ t, picture: t < 20 ? empty : bagged, tracks: t < 20 ? [] : [person(standing, t)] }));
    expect(await replay(camera(), steps)).toEqual([]);
  });

  it('keeps the clock while someone stands in front of it, and raises once it shows again', async () => {
    const front: Box = [DROP.left - 10, DROP.top - 100, DROP.left + DROP.width + 10, DROP.top + DROP.height + 5];
    const steps = every5(0, 90).map((t) => ({ t, picture: t < 20 ? empty : bagged, tracks: t >= 35 && t <= 60 ? [person(front, t, t !== 60)] : [] }));
    // Due at 50, hidden until 60: raised on the first frame that shows it, with the clock from 20.
    const found = await replay(camera(), steps);
    expect(found.map((f) => f.t)).toEqual([65]);
    expect(found[0]!.event.startedAt.getTime() - Date.UTC(2026, 4, 4, 2)).toBe(20_000);
  });

  it('drops the clock of something taken away before persistSeconds', async () => {
    const steps = every5(0, 120).map((t) => ({ t, picture: t >= 20 && t < 40 ? bagged : empty }));
    expect(await replay(camera(), steps)).toEqual([]);
  });

  it('leaves out zones that do not watch: a sidewalk without persistSeconds, a no-parking zone, a disabled rule, a thing below minAreaRatio', async () => {
    const steps = every5(0, 90).map((t) => ({ t, picture: t < 20 ? empty : bagged }));
    const polygon: Array<[number, number]> = [[0, 0.7], [0.45, 0.7], [0.45, 1], [0, 1]];
    const plain: CameraConfig = { ...camera(), zones: [{ id: 'pavement', kind: 'sidewalk', polygon }] };
    const parking: CameraConfig = { ...camera(), zones: [{ id: 'kerb', kind: 'no_parking', polygon }] };
    const disabled: CameraConfig = { ...camera(), rules: { exposed_garbage: { enabled: false } } };
    expect(await replay(plain, steps)).toEqual([]);
    expect(await replay(parking, steps)).toEqual([]);
    expect(await replay(disabled, steps)).toEqual([]);
    expect(await replay(camera({ minAreaRatio: 0.05 }), steps)).toEqual([]);
    // A watch zone needs no persistSeconds: its default (60 s) applies.
    expect((await replay({ ...camera(), zones: [{ id: 'bins', kind: 'watch', polygon }] }, every5(0, 90).map((t) => ({ t, picture: t < 20 ? empty : bagged })))).map((f) => f.t)).toEqual([80]);
  });

  it('starts the scene again when the frame size changes (another analysis.width), raising nothing from the change', async () => {
    const smaller = await sharp(empty).resize(640, 480).png().toBuffer();
    const steps = every5(0, 90).map((t) => ({ t, picture: t < 20 ? bagged : smaller }));
    expect(await replay(camera(), steps)).toEqual([]);
  });

  it('raises nothing when something the camera saw from the start goes away: the ground that shows is no left-behind thing', async () => {
    // Gone before the scene settled (5 s), and gone after it had long been part of the scene (60 s).
    for (const goneAt of [5, 60]) {
      const steps = every5(0, 150).map((t) => ({ t, picture: t < goneAt ? bagged : empty }));
      expect(await replay(camera(), steps), `gone at ${goneAt} s`).toEqual([]);
    }
  });

  it('takes a scene that keeps changing in its first seconds as it settles, then finds what is left', async () => {
    // An untracked thing comes and goes at the start; the bag dropped later is still found.
    const steps = every5(0, 120).map((t) => ({ t, picture: t === 5 ? bagged : t < 40 ? empty : bagged }));
    expect((await replay(camera(), steps)).map((f) => f.t)).toEqual([70]);
  });
});
