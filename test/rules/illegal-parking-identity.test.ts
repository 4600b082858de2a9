// 违停 with identity, end to end on real pictures at patrol rate (one frame per 30 s): real vehicle
// photos (darknet's pick-up, the labelme bus and van) placed on a real street background (a frame
// of OpenCV's vtest.avi), the real embedder, the real tracker and the real rule. A parked pick-up
// is raised once, at its dwell, saying why; different vehicles taking turns at one spot, and a car
// that leaves and another that parks there, are never joined into one case.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Zone } from '../../contracts/camera.ts';
import type { Box, Detection, Frame } from '../../contracts/types.ts';
import { loadManifest } from '../../models/manifest.ts';
import { createEmbedder, type Embedder } from '../../pipeline/embed/embedder.ts';
import { withAppearance } from '../../pipeline/embed/sightings.ts';
import { evaluateCameraRules, type CameraRulesState } from '../../pipeline/rules/camera-rules.ts';
import type { RuleEvent } from '../../pipeline/rules/rule-types.ts';
import { createTracker } from '../../pipeline/track/tracker.ts';
import { samplePath } from '../support/samples.ts';
import { camera, MONDAY_9AM } from './scene.ts';

const run = promisify(execFile);
const W = 768;
const H = 576;
const SPOT = { left: 300, top: 200, width: 170, height: 90 };
const SPOT_BOX: Box = [SPOT.left, SPOT.top, SPOT.left + SPOT.width, SPOT.top + SPOT.height];
const road: Zone = { id: 'road', kind: 'no_parking', polygon: [[0, 0.3], [1, 0.3], [1, 0.7], [0, 0.7]] };
const cam = camera([road], { illegal_parking: { dwellSeconds: 300, warnAfterSeconds: 60 } }, 'Asia/Shanghai');

let dir: string;
let background: Buffer;
let embedder: Embedder;
const vehicles: Record<string, Buffer> = {};

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'parking-identity-'));
  const png = path.join(dir, 'street.png');
  await run('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-ss', '40', '-i', samplePath('opencv/vtest.avi'), '-frames:v', '1', png]);
  background = await sharp(png).resize(W, H, { fit: 'fill' }).removeAlpha().raw().toBuffer();
  const cut = (file: string, left: number, top: number, right: number, bottom: number) =>
    sharp(samplePath(file)).extract({ left, top, width: right - left, height: bottom - top }).resize(SPOT.width, SPOT.height, { fit: 'fill' }).removeAlpha().png().toBuffer();
  vehicles.pickup = await cut('darknet/dog.jpg', 462, 70, 698, 172);
  vehicles.bus = await cut('labelme/annotated/2011_000025.jpg', 84, 20, 435, 373);
  vehicles.van = await cut('labelme/annotated/2011_000025.jpg', 409, 167, 500, 266);
  embedder = await createEmbedder((await loadManifest()).embedder!, { threads: 2 });
}, 60_000);

afterAll(async () => {
  await embedder?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function frameWith(vehicle: string | undefined, at: Date): Promise<Frame> {
  const raw = sharp(background, { raw: { width: W, height: H, channels: 3 } });
  const pixels = vehicle ? await raw.composite([{ input: vehicles[vehicle]!, left: SPOT.left, top: SPOT.top }]).removeAlpha().raw().toBuffer() : await raw.raw().toBuffer();
  return { sourceId: 'cam', capturedAt: at, width: W, height: H, pixels: new Uint8Array(pixels) };
}

/** Patrol passes every 30 s; `who(t)` is the vehicle standing at the spot at scene second t. */
async function patrol(seconds: number, who: (t: number) => string | undefined): Promise<RuleEvent[]> {
  const tracker = createTracker();
  let state: CameraRulesState = {};
  const events: RuleEvent[] = [];
  for (let t = 0; t <= seconds; t += 30) {
    const now = new Date(MONDAY_9AM.getTime() + t * 1000);
    const vehicle = who(t);
    const frame = await frameWith(vehicle, now);
    // The detector's box jitters by a few pixels from pass to pass.
    const jitter = ((t / 30) % 3) - 1;
    const detections: Detection[] = vehicle ? [{ label: 'car', score: 0.5, box: SPOT_BOX.map((v) => v + 2 * jitter) as Box }] : [];
    const tracks = tracker.update(await withAppearance(frame, detections, embedder, new Set(['car'])), now);
    const r = evaluateCameraRules(state, { now, tracks, camera: cam, frameSize: frame });
    state = r.state;
    events.push(...r.events);
  }
  return events;
}

const violations = (events: RuleEvent[]) => events.filter((e) => e.kind === 'violation' && e.type === 'illegal_parking');
const secondsIn = (d: Date) => (d.getTime() - MONDAY_9AM.getTime()) / 1000;

describe('illegal_parking with identity at one frame per 30 s', () => {
  it('raises a pick-up parked for 10 minutes once, at its 5-minute dwell, and says why', async () => {
    const raised = violations(await patrol(600, () => 'pickup'));
    expect(raised).toHaveLength(1);
    expect(secondsIn(raised[0]!.at)).toBe(300);
    expect(raised[0]!.attributes?.reason).toMatch(/^same vehicle, similarity (0\.9\d|1\.00), still from 09:00:00 to 09:05:00$/);
  }, 60_000);

  it('never joins different vehicles taking turns at one spot', async () => {
    const order = ['pickup', 'bus', 'van'];
    expect(violations(await patrol(900, (t) => order[(t / 30) % 3]))).toEqual([]);
  }, 60_000);

  it('gives a car that parks where another left its own case, after its own dwell', async () => {
    // The pick-up stands 0-150 s and leaves; the spot is empty one pass; the van parks from 180 s.
    const raised = violations(await patrol(900, (t) => (t <= 150 ? 'pickup' : t < 180 ? undefined : 'van')));
    expect(raised).toHaveLength(1);
    expect(secondsIn(raised[0]!.at)).toBe(480);
    expect(raised[0]!.attributes?.reason).toMatch(/still from 09:03:00 to 09:08:00$/);
  }, 60_000);

  it('without appearance, the same turns at one spot make a false case (what identity prevents)', async () => {
    const tracker = createTracker();
    let state: CameraRulesState = {};
    const events: RuleEvent[] = [];
    for (let t = 0; t <= 900; t += 30) {
      const now = new Date(MONDAY_9AM.getTime() + t * 1000);
      const tracks = tracker.update([{ label: 'car', score: 0.5, box: SPOT_BOX }], now);
      const r = evaluateCameraRules(state, { now, tracks, camera: cam, frameSize: { width: W, height: H } });
      state = r.state;
      events.push(...r.events);
    }
    expect(violations(events)).toHaveLength(1);
    expect(violations(events)[0]!.attributes?.reason).toMatch(/^same place \(no appearance model\)/);
  });
});
