// Evidence a reviewer believes at a glance, measured on the rendered images: the zone outline on
// the confirming frame, the first-seen and confirming frames side by side with their times, a
// close-up of at least 128 px on its short side (labelled when upscaled), and a footer that is
// never cut off at the frame's edge.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Box, Frame, Violation } from '../../contracts/types.ts';
import { FolderObjectStore } from '../../infra/object-store-folder.ts';
import { CAPTION_MARGIN, fitCaption } from '../../pipeline/evidence/annotate.ts';
import { captureEvidence, CLOSE_UP_MIN_SIDE, closeUp } from '../../pipeline/evidence/capture.ts';
import { frameFromSample } from '../support/frames.ts';

const TRUCK: Box = [466, 74, 683, 171]; // the pick-up in dog.jpg
const KERB = { polygon: [[0.55, 0.1], [0.95, 0.1], [0.95, 0.4], [0.55, 0.4]] as Array<[number, number]>, name: 'kerb-no-parking' };

/** Width in pixels of a text as librsvg draws it in the evidence font: rendered wide, then measured. */
async function renderedWidth(text: string, fontSize: number): Promise<number> {
  const canvas = 4000;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${canvas}" height="${fontSize * 2}"><rect width="100%" height="100%" fill="#000"/><text x="0" y="${fontSize * 1.4}" font-family="DejaVu Sans, WenQuanYi Zen Hei, sans-serif" font-size="${fontSize}" fill="#fff">${text.replace(/[<>&]/g, (c) => `&#${c.charCodeAt(0)};`)}</text></svg>`;
  const { data, info } = await sharp(Buffer.from(svg)).greyscale().raw().toBuffer({ resolveWithObject: true });
  let right = 0;
  for (let y = 0; y < info.height; y++) for (let x = 0; x < info.width; x++) if (data[y * info.width + x]! > 60 && x + 1 > right) right = x + 1;
  return right;
}

/** Mean absolute RGB difference between two raw RGB images at (x, y). */
const diffAt = (a: Buffer | Uint8Array, b: Buffer | Uint8Array, width: number, x: number, y: number) => {
  const i = (y * width + x) * 3;
  return Math.abs(a[i]! - b[i]!) + Math.abs(a[i + 1]! - b[i + 1]!) + Math.abs(a[i + 2]! - b[i + 2]!);
};

describe('evidence at a glance', () => {
  let dir: string;
  let objects: FolderObjectStore;
  let start: Frame;
  let confirm: Frame;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'evidence-glance-'));
    objects = new FolderObjectStore(dir);
    start = await frameFromSample('darknet/dog.jpg', 'cam-1', new Date('2026-03-02T02:00:03Z'));
    confirm = await frameFromSample('darknet/dog.jpg', 'cam-1', new Date('2026-03-02T02:05:04Z'));
    // The confirming frame differs from the first (the scene mirrored), so each half of the pair is recognisable.
    const mirrored = await sharp(Buffer.from(confirm.pixels), { raw: { width: confirm.width, height: confirm.height, channels: 3 } }).flop().raw().toBuffer();
    confirm = { ...confirm, pixels: new Uint8Array(mirrored) };
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const parked = (over: Partial<Violation> = {}): Violation => ({
    type: 'illegal_parking',
    sourceId: 'cam-1',
    observedAt: confirm.capturedAt,
    startedAt: start.capturedAt,
    box: TRUCK,
    score: 0.8,
    label: 'truck',
    zoneId: 'kerb-no-parking',
    zoneOutline: KERB,
    evidenceFrames: [start, confirm],
    attributes: { plate: 'unreadable', plateUnreadable: 'no text found' },
    ...over,
  });

  it('outlines the rule zone on the confirming frame', async () => {
    const items = await captureEvidence(parked(), objects, { sourceName: '东门路口', typeName: '违停' });
    const frame = items.find((i) => i.kind === 'frame')!;
    const drawn = await sharp((await objects.get(frame.key))!).raw().toBuffer();
    // The zone's left edge (x 0.55 of 768 = 422) halfway down it (y 0.25 of 576 = 144), away from the truck's box:
    // drawn in yellow over the picture; the same point without a zone stays as the camera saw it.
    const [x, y] = [Math.round(0.55 * 768), Math.round(0.25 * 576)];
    // The outline is dashed: along the edge, most of it is yellow.
    const yellow = (px: Uint8Array) => px[0]! > 180 && px[1]! > 160 && px[2]! < 110;
    const edge = Array.from({ length: 100 }, (_, i) => 94 + i).map((ey) => [x - 1, x, x + 1].some((ex) => yellow(drawn.subarray((ey * 768 + ex) * 3, (ey * 768 + ex) * 3 + 3))));
    expect(edge.filter(Boolean).length).toBeGreaterThan(50);
    const without = await captureEvidence(parked({ zoneOutline: undefined }), objects, { sourceName: '东门路口', typeName: '违停' });
    const plain = await sharp((await objects.get(without.find((i) => i.kind === 'frame')!.key))!).raw().toBuffer();
    expect(diffAt(plain, confirm.pixels, 768, x, y)).toBeLessThan(40);
  });

  it('puts the first-seen and confirming frames side by side, each with its time', async () => {
    const items = await captureEvidence(parked(), objects, { sourceName: '东门路口', typeName: '违停' });
    expect(items.map((i) => i.kind)).toEqual(['frame', 'clean_frame', 'crop', 'start_frame', 'comparison']);
    const pair = items.find((i) => i.kind === 'comparison')!;
    const bytes = (await objects.get(pair.key))!;
    expect(pair.capturedAt).toBe('2026-03-02T02:05:04.000Z');
    expect(pair.box).toBeUndefined(); // a drawing for people, nothing to train on
    const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([768 * 2 + 8, 576]);
    // Left half is the first-seen frame, right half the confirming (mirrored) one, at a point nothing is drawn on.
    const at = (x: number, y: number) => data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3);
    const [x, y] = [150, 300];
    const same = (a: Uint8Array, b: Uint8Array) => Math.abs(a[0]! - b[0]!) + Math.abs(a[1]! - b[1]!) + Math.abs(a[2]! - b[2]!);
    const startPx = start.pixels.subarray((y * 768 + x) * 3, (y * 768 + x) * 3 + 3);
    const confirmPx = confirm.pixels.subarray((y * 768 + x) * 3, (y * 768 + x) * 3 + 3);
    expect(same(at(x, y), startPx)).toBeLessThan(40);
    expect(same(at(768 + 8 + x, y), confirmPx)).toBeLessThan(40);
    // Each half carries its footer with its own time (bands darkened at the bottom of both).
    const footerLeft = fitCaption('东门路口 · 首次发现 first seen 2026-03-02 10:00:03', 768, 576);
    expect(footerLeft.lines.join(' ')).toContain('10:00:03');
    for (const left of [0, 768 + 8]) expect(same(at(left + 300, 576 - 4), (left === 0 ? start : confirm).pixels.subarray((572 * 768 + 300) * 3, (572 * 768 + 300) * 3 + 3))).toBeGreaterThan(40);
  });

  it('makes a close-up of at least 128 px on its short side, upscaled from the source and labelled when the object is small', async () => {
    // The dog's nose-sized box: 24x18 px in the frame.
    const small: Box = [200, 300, 224, 318];
    const close = await closeUp(confirm, small);
    expect(Math.min(close.width, close.height)).toBeGreaterThanOrEqual(CLOSE_UP_MIN_SIDE);
    expect(close.factor).toBe(Math.ceil(CLOSE_UP_MIN_SIDE / 32)); // the crop is at least 32 px: ×4
    const meta = await sharp(close.jpeg).metadata();
    expect([meta.width, meta.height]).toEqual([close.width, close.height]);
    // The label band: the bottom-left corner is darkened under white text, the top stays the picture.
    const { data, info } = await sharp(close.jpeg).greyscale().raw().toBuffer({ resolveWithObject: true });
    const row = (y: number) => Array.from(data.subarray(y * info.width, y * info.width + Math.round(info.width * 0.8)));
    const band = fitCaption(`upscaled ×${close.factor} 放大`, close.width, close.height);
    const bandRows = Array.from({ length: band.bandHeight - 4 }, (_, i) => row(info.height - band.bandHeight + 2 + i)).flat();
    expect(bandRows.filter((v) => v > 200).length).toBeGreaterThan(20); // text strokes
    // The box scales with the close-up.
    expect(close.box[2] - close.box[0]).toBeCloseTo(24 * close.factor);
    // The whole label fits the close-up.
    for (const line of band.lines) expect(CAPTION_MARGIN + (await renderedWidth(line, band.fontSize))).toBeLessThanOrEqual(close.width);
    // The truck (97 px tall, 119 with its margin) is doubled; the dog (323 px) is shown as the camera saw it.
    expect((await closeUp(confirm, TRUCK)).factor).toBe(2);
    const big = await closeUp(confirm, [131, 219, 310, 542]);
    expect(big.factor).toBe(1);
    expect(Math.min(big.width, big.height)).toBeGreaterThanOrEqual(CLOSE_UP_MIN_SIDE);
    const items = await captureEvidence(parked({ box: small }), objects, { sourceName: 'cam-1' });
    const crop = items.find((i) => i.kind === 'crop')!;
    expect(Math.min(crop.width!, crop.height!)).toBeGreaterThanOrEqual(CLOSE_UP_MIN_SIDE);
  });

  it('never cuts the footer: long captions shrink, then wrap, on wide and narrow frames', async () => {
    const caption = 'Demo: street camera over the east gate (darknet dog.jpg) · 2026-05-04 09:00:45 · 违停 · 车牌 unreadable: no text found';
    for (const [w, h] of [[768, 576], [480, 360], [320, 240]] as const) {
      const layout = fitCaption(caption, w, h);
      for (const line of layout.lines) {
        expect(CAPTION_MARGIN + (await renderedWidth(line, layout.fontSize)), `${w}x${h}: "${line}" at ${layout.fontSize}px`).toBeLessThanOrEqual(w);
      }
      // Nothing is lost: every character of the caption is on some line.
      expect(layout.lines.join(' ').replace(/[\s·]/g, '')).toBe(caption.replace(/[\s·]/g, ''));
      expect(layout.bandHeight).toBeLessThan(h / 3);
    }
    // The reason the issue saw cut ("车牌 unreadable: no tex") is whole on the stored frame's footer.
    const layout = fitCaption(caption, 768, 576);
    expect(layout.lines.join(' ')).toContain('unreadable: no text found');
  });
});
