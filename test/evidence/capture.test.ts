// Evidence from real frames: drawn full frame, tight crop, first frame, each stored under its hash.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Violation } from '../../contracts/types.ts';
import { FolderObjectStore } from '../../infra/object-store-folder.ts';
import { sha256Hex } from '../../infra/object-store.ts';
import { captureEvidence, cropBox } from '../../pipeline/evidence/capture.ts';
import { frameFromSample } from '../support/frames.ts';

describe('captureEvidence', () => {
  let dir: string;
  let objects: FolderObjectStore;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'evidence-'));
    objects = new FolderObjectStore(dir);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('makes the confirming frame, a crop around the box and the first frame, each stored under its sha256', async () => {
    const start = await frameFromSample('darknet/dog.jpg', 'cam-1', new Date('2026-03-02T01:50:00Z'));
    const confirm = await frameFromSample('darknet/dog.jpg', 'cam-1', new Date('2026-03-02T01:56:00Z'));
    const box: [number, number, number, number] = [466, 74, 683, 171]; // the truck in dog.jpg
    const v: Violation = {
      type: 'illegal_parking',
      sourceId: 'cam-1',
      observedAt: confirm.capturedAt,
      startedAt: start.capturedAt,
      box,
      score: 0.82,
      label: 'truck',
      zoneId: 'z1',
      evidenceFrames: [start, confirm],
      attributes: { plate: '沪A·12345' },
    };
    const items = await captureEvidence(v, objects, { sourceName: '东门路口', typeName: '违停' });
    expect(items.map((i) => i.kind)).toEqual(['frame', 'clean_frame', 'crop', 'start_frame', 'comparison']);
    for (const item of items) {
      const bytes = (await objects.get(item.key))!;
      expect(sha256Hex(bytes)).toBe(item.sha256);
      expect(item.key).toBe(item.sha256);
      expect(item.bytes).toBe(bytes.length);
      const meta = await sharp(bytes).metadata();
      expect(meta.format).toBe('jpeg');
      expect([meta.width, meta.height]).toEqual([item.width, item.height]);
    }
    expect(items[0]!.capturedAt).toBe('2026-03-02T01:56:00.000Z');
    expect(items[3]!.capturedAt).toBe('2026-03-02T01:50:00.000Z');
    // The crop is tight: the box plus a tenth on each side, upscaled ×2 to reach 128 px on its short side.
    expect(items[2]!.width).toBeLessThanOrEqual(2 * (Math.ceil(217 * 1.2) + 2));
    expect(items[2]!.height).toBeLessThanOrEqual(2 * (Math.ceil(97 * 1.2) + 2));
    expect(items[2]!.height).toBeGreaterThanOrEqual(128);
    expect(items[2]!.box![0]).toBeGreaterThan(0);
    // The drawn frame differs from the raw one exactly where the box and caption are.
    const drawn = await sharp((await objects.get(items[0]!.key))!).raw().toBuffer();
    const raw = Buffer.from(confirm.pixels);
    const px = (buf: Buffer, x: number, y: number) => buf.subarray((y * confirm.width + x) * 3, (y * confirm.width + x) * 3 + 3);
    const diff = (x: number, y: number) => px(drawn, x, y).reduce((s, v, i) => s + Math.abs(v - px(raw, x, y)[i]!), 0);
    expect(diff(466, 120)).toBeGreaterThan(60); // on the box's left edge
    expect(diff(300, confirm.height - 5)).toBeGreaterThan(60); // caption band
    expect(diff(300, 300)).toBeLessThan(40); // elsewhere only JPEG noise
    // The clean frame is the confirming frame with nothing drawn: the box's edge and the caption
    // band are as the camera saw them, with the same box recorded for training.
    const clean = await sharp((await objects.get(items[1]!.key))!).raw().toBuffer();
    const cleanDiff = (x: number, y: number) => px(clean, x, y).reduce((s, v, i) => s + Math.abs(v - px(raw, x, y)[i]!), 0);
    expect(cleanDiff(466, 120)).toBeLessThan(40);
    expect(cleanDiff(300, confirm.height - 5)).toBeLessThan(40);
    expect(items[1]!.box).toEqual(box);
    expect(items[1]!.capturedAt).toBe(items[0]!.capturedAt);
  });

  it('stores the same picture once however often it is captured', async () => {
    const frame = await frameFromSample('darknet/horses.jpg', 'cam-2', new Date('2026-03-02T01:00:00Z'));
    const v: Violation = { type: 'street_vending', sourceId: 'cam-2', observedAt: frame.capturedAt, box: [10, 10, 100, 100], score: 0.6, evidenceFrames: [frame] };
    const a = await captureEvidence(v, objects, { sourceName: 'cam-2' });
    const b = await captureEvidence(v, objects, { sourceName: 'cam-2' });
    expect(a).toEqual(b);
    expect(a.map((i) => i.kind)).toEqual(['frame', 'clean_frame', 'crop']);
  });

  it('keeps crops inside the frame for boxes at the edge or tiny', () => {
    expect(cropBox([-5, -5, 10, 10], 100, 80)).toEqual({ left: 0, top: 0, width: 19, height: 19 });
    expect(cropBox([95, 75, 100, 80], 100, 80)).toEqual({ left: 81, top: 61, width: 19, height: 19 });
    const c = cropBox([50, 40, 50, 40], 100, 80);
    expect(c.width).toBeGreaterThan(0);
    expect(c.height).toBeGreaterThan(0);
  });
});
