// Evidence for one violation, made at capture time (DESIGN.md, "Evidence a reviewer can trust"):
// the confirming frame with the box, label, camera name and time drawn (and the same frame with
// nothing drawn, for training); a tight crop of the object; and the frame when the violation began (for parking, further back than the dwell
// limit). Each JPEG goes to the object store under its sha256, which is what the case records,
// so anyone can later check that a picture is the one that was taken.
import sharp from 'sharp';
import type { EvidenceItem, EvidenceKind } from '../../contracts/case.ts';
import type { Box, Frame, Violation } from '../../contracts/types.ts';
import type { ObjectStore } from '../../infra/object-store.ts';
import { annotate } from './annotate.ts';

export interface EvidenceContext {
  /** Shown in the caption: the camera's or survey's name as people know it. */
  sourceName: string;
  /** Time zone of the caption's clock (default Asia/Shanghai). */
  timezone?: string;
  /** The type as people say it, e.g. 违停; defaults to the slug. */
  typeName?: string;
  jpegQuality?: number;
}

/** Share of the box's size added around it in the crop: tight, but with enough context to recognise the object. */
const CROP_MARGIN = 0.1;
const CROP_MIN_SIDE = 32;

export async function captureEvidence(v: Violation, objects: ObjectStore, ctx: EvidenceContext): Promise<EvidenceItem[]> {
  const frames = v.evidenceFrames;
  if (frames.length === 0) return [];
  const confirming = frames[frames.length - 1]!;
  const start = frames.length > 1 ? frames[0]! : undefined;
  const label = `${ctx.typeName ?? v.type}${v.label ? ` ${v.label}` : ''}`;
  const items: EvidenceItem[] = [];

  const full = await drawFrame(confirming, v.box, label, v.score, caption(ctx, confirming.capturedAt, v), ctx.jpegQuality);
  items.push(await store(objects, 'frame', full, confirming, v.box));
  const clean = await rawImage(confirming).jpeg({ quality: ctx.jpegQuality ?? 90 }).toBuffer();
  items.push(await store(objects, 'clean_frame', clean, confirming, v.box));

  const crop = cropBox(v.box, confirming.width, confirming.height);
  const cropJpeg = await rawImage(confirming)
    .extract({ left: crop.left, top: crop.top, width: crop.width, height: crop.height })
    .jpeg({ quality: ctx.jpegQuality ?? 90 })
    .toBuffer();
  const [x1, y1, x2, y2] = v.box;
  items.push(
    await store(objects, 'crop', cropJpeg, confirming, [x1 - crop.left, y1 - crop.top, x2 - crop.left, y2 - crop.top], {
      width: crop.width,
      height: crop.height,
    }),
  );

  if (start && start.capturedAt.getTime() !== confirming.capturedAt.getTime()) {
    // The object was stationary from here on (that is what a dwell rule confirms), so the box holds.
    const startJpeg = await drawFrame(start, v.box, label, v.score, `${caption(ctx, start.capturedAt, v)} · 开始 start`, ctx.jpegQuality);
    items.push(await store(objects, 'start_frame', startJpeg, start, v.box));
  }
  return items;
}

function caption(ctx: EvidenceContext, at: Date, v: Violation): string {
  const p = v.attributes?.plate;
  const why = v.attributes?.plateUnreadable;
  const plate = typeof p === 'string' && p ? ` · 车牌 ${p === 'unreadable' && why ? `unreadable: ${why}` : p}` : '';
  return `${ctx.sourceName} · ${formatLocal(at, ctx.timezone ?? 'Asia/Shanghai')} · ${ctx.typeName ?? v.type}${plate}`;
}

export function formatLocal(at: Date, timeZone: string): string {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(at)
      .map((x) => [x.type, x.value]),
  );
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

function rawImage(frame: Frame) {
  return sharp(frame.pixels, { raw: { width: frame.width, height: frame.height, channels: 3 } });
}

async function drawFrame(frame: Frame, box: Box, label: string, score: number, text: string, quality?: number): Promise<Buffer> {
  return annotate(rawImage(frame), frame.width, frame.height, [{ label, score, box }], { caption: text, jpegQuality: quality });
}

/** The box plus a margin, clamped to the frame and never degenerate. */
export function cropBox(box: Box, width: number, height: number): { left: number; top: number; width: number; height: number } {
  const [x1, y1, x2, y2] = box;
  const mx = Math.max((x2 - x1) * CROP_MARGIN, (CROP_MIN_SIDE - (x2 - x1)) / 2, 0);
  const my = Math.max((y2 - y1) * CROP_MARGIN, (CROP_MIN_SIDE - (y2 - y1)) / 2, 0);
  const left = clamp(Math.floor(x1 - mx), 0, width - 1);
  const top = clamp(Math.floor(y1 - my), 0, height - 1);
  const right = clamp(Math.ceil(x2 + mx), left + 1, width);
  const bottom = clamp(Math.ceil(y2 + my), top + 1, height);
  return { left, top, width: right - left, height: bottom - top };
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), hi);
}

async function store(
  objects: ObjectStore,
  kind: EvidenceKind,
  jpeg: Buffer,
  frame: Frame,
  box: Box,
  size: { width: number; height: number } = { width: frame.width, height: frame.height },
): Promise<EvidenceItem> {
  const stored = await objects.put(jpeg, 'image/jpeg');
  return {
    kind,
    key: stored.key,
    sha256: stored.sha256,
    contentType: 'image/jpeg',
    capturedAt: frame.capturedAt.toISOString(),
    bytes: stored.bytes,
    width: size.width,
    height: size.height,
    box: box.map((n) => Math.round(n * 10) / 10) as Box,
  };
}
