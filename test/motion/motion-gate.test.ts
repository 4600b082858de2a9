// Motion gating on real footage: a still street costs a detector run per full pass only, a plaza
// with people walking is looked at nearly every frame; and both are counted.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Frame } from '../../contracts/types.ts';
import { openCameraStream } from '../../pipeline/ingest/camera-stream.ts';
import { greyThumbnail, changedShare } from '../../pipeline/motion/grey-thumbnail.ts';
import { createMotionGate } from '../../pipeline/motion/motion-gate.ts';
import { captureLogger } from '../support/capture-logger.ts';
import { stillVideo } from '../support/rtsp-server.ts';
import { samplePath } from '../support/samples.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'motion-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function framesOf(file: string, fps: number): Promise<Frame[]> {
  const frames: Frame[] = [];
  const stream = openCameraStream({ cameraId: 'm', url: file, fps, width: 384, logger: captureLogger().logger, clock: () => new Date('2026-05-04T01:00:00Z') });
  for await (const f of stream) frames.push(f.frame);
  return frames;
}

describe('motion gate', () => {
  it('skips a still street except for the periodic full pass', async () => {
    const frames = await framesOf(await stillVideo(samplePath('darknet/dog.jpg'), path.join(dir, 'still.mp4'), 30), 2);
    expect(frames.length).toBeGreaterThanOrEqual(58);
    const gate = createMotionGate({ fullPassSeconds: 10 });
    const reasons = frames.map((f) => gate.decide(f).reason);
    expect(reasons[0]).toBe('first');
    expect(reasons.filter((r) => r === 'motion')).toEqual([]);
    // At 0 s, then every 10 s of scene time: 10, 20 (and 30 if the last frame lands on it).
    expect(reasons.filter((r) => r === 'full_pass').length).toBeGreaterThanOrEqual(2);
    expect(gate.detected).toBe(reasons.filter((r) => r !== 'still').length);
    expect(gate.skipped + gate.detected).toBe(frames.length);
    expect(gate.skipped / frames.length).toBeGreaterThan(0.9);
  });

  it('looks at nearly every frame of a plaza with people walking', async () => {
    const frames = await framesOf(samplePath('opencv/vtest.avi'), 1);
    const gate = createMotionGate();
    for (const f of frames) gate.decide(f);
    expect(gate.detected / frames.length).toBeGreaterThan(0.9);
  });

  it('sees one walker far away but not sensor noise', () => {
    const w = 640;
    const h = 360;
    const frame = (draw: (x: number, y: number) => number): Frame => {
      const pixels = new Uint8Array(w * h * 3);
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) pixels.fill(draw(x, y), (y * w + x) * 3, (y * w + x) * 3 + 3);
      return { sourceId: 't', capturedAt: new Date(), width: w, height: h, pixels };
    };
    const noise = (x: number, y: number) => 100 + ((x * 31 + y * 17) % 7) - 3;
    const a = greyThumbnail(frame(noise));
    const b = greyThumbnail(frame((x, y) => noise(x + 1, y)));
    expect(changedShare(a, b, 12)).toBe(0);
    // A 16x40 px figure (a person some 50 m away) appears.
    const c = greyThumbnail(frame((x, y) => (x >= 300 && x < 316 && y >= 200 && y < 240 ? 30 : noise(x, y))));
    expect(changedShare(a, c, 12)).toBeGreaterThan(0.002);
  });
});
