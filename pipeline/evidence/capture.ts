// Evidence for one violation, made at capture time (DESIGN.md, "Evidence a reviewer can trust"):
// - the confirming frame with the box, label, the rule's zone outline, camera name and time drawn
//   (and the same frame with nothing drawn, for training);
// - a close-up of the object, at least CLOSE_UP_MIN_SIDE pixels on its short side: a small object
//   is upscaled from the source and the image says so ("upscaled ×N"), so nobody mistakes it for
//   a sharper camera;
// - the frame when the violation began (for parking, further back than the dwell limit), and that
//   frame and the confirming one side by side with their times, which is what a dwell rule claims.
// Each JPEG goes to the object store under its sha256, which is what the case records, so anyone
// can later check that a picture is the one that was taken.
import sharp from 'sharp';
import type { EvidenceItem, EvidenceKind } from '../../contracts/case.ts';
import type { Box, Frame, Violation } from '../../contracts/types.ts';
import type { ObjectStore } from '../../infra/object-store.ts';
import { annotate, fitCaption, type ZoneOutline } from './annotate.ts';

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
/** The close-up's short side is at least this many pixels (upscaled when the object is smaller). */
export const CLOSE_UP_MIN_SIDE = 128;
/** Upscaling stops here: a long thin object keeps its close-up at a sane size. */
const CLOSE_UP_MAX_SIDE = 4096;
/** Each half of the side-by-side comparison is at most this wide (a 4K camera makes a 2560-pixel pair). */
const COMPARISON_PANEL_MAX_WIDTH = 1280;
const COMPARISON_GAP = 8;

interface Drawing {
  label: string;
  score: number;
  box: Box;
  zones: ZoneOutline[];
  quality?: number;
}

export async function captureEvidence(v: Violation, objects: ObjectStore, ctx: EvidenceContext): Promise<EvidenceItem[]> {
  const frames = v.evidenceFrames;
  if (frames.length === 0) return [];
  const confirming = frames[frames.length - 1]!;
  const first = frames.length > 1 ? frames[0]! : undefined;
  const start = first && first.capturedAt.getTime() !== confirming.capturedAt.getTime() ? first : undefined;
  const drawing: Drawing = {
    label: `${ctx.typeName ?? v.type}${v.label ? ` ${v.label}` : ''}`,
    score: v.score,
    box: v.box,
    zones: v.zoneOutline ? [{ polygon: v.zoneOutline.polygon, name: v.zoneOutline.name ?? v.zoneId }] : [],
    quality: ctx.jpegQuality,
  };
  const items: EvidenceItem[] = [];

  const full = await drawFrame(confirming, drawing, caption(ctx, confirming.capturedAt, v));
  items.push(await store(objects, 'frame', full, confirming, v.box));
  const clean = await rawImage(confirming).jpeg({ quality: ctx.jpegQuality ?? 90 }).toBuffer();
  items.push(await store(objects, 'clean_frame', clean, confirming, v.box));

  const close = await closeUp(confirming, v.box, ctx.jpegQuality);
  items.push(await store(objects, 'crop', close.jpeg, confirming, close.box, { width: close.width, height: close.height }));

  if (start) {
    // The object was stationary from here on (that is what a dwell rule confirms), so the box holds.
    const startJpeg = await drawFrame(start, drawing, `${caption(ctx, start.capturedAt, v)} · 开始 start`);
    items.push(await store(objects, 'start_frame', startJpeg, start, v.box));
    const pair = await sideBySide(start, confirming, drawing, ctx);
    items.push(await store(objects, 'comparison', pair.jpeg, confirming, undefined, { width: pair.width, height: pair.height }));
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

/** "5 min 1 s", "2 h 3 min", "40 s": how long between the two frames. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return `${h} h ${m} min`;
  return m > 0 ? `${m} min ${s % 60} s` : `${s} s`;
}

function rawImage(frame: Frame) {
  return sharp(frame.pixels, { raw: { width: frame.width, height: frame.height, channels: 3 } });
}

async function drawFrame(frame: Frame, d: Drawing, text: string): Promise<Buffer> {
  return annotate(rawImage(frame), frame.width, frame.height, [{ label: d.label, score: d.score, box: d.box }], {
    caption: text,
    zones: d.zones,
    jpegQuality: d.quality,
  });
}

export interface CloseUp {
  jpeg: Buffer;
  width: number;
  height: number;
  /** The object's box in the close-up's pixels. */
  box: Box;
  /** 1 when taken as the camera saw it, N when upscaled ×N. */
  factor: number;
}

/**
 * The object with a margin, from the source frame; upscaled by a whole factor (Lanczos) until its
 * short side reaches CLOSE_UP_MIN_SIDE, with "upscaled ×N" written on it.
 */
export async function closeUp(frame: Frame, box: Box, quality = 90): Promise<CloseUp> {
  const crop = cropBox(box, frame.width, frame.height);
  const factor = Math.max(1, Math.min(Math.ceil(CLOSE_UP_MIN_SIDE / Math.min(crop.width, crop.height)), Math.floor(CLOSE_UP_MAX_SIDE / Math.max(crop.width, crop.height))));
  const width = crop.width * factor;
  const height = crop.height * factor;
  const [x1, y1, x2, y2] = box;
  const inCrop: Box = [(x1 - crop.left) * factor, (y1 - crop.top) * factor, (x2 - crop.left) * factor, (y2 - crop.top) * factor];
  const cropped = rawImage(frame).extract(crop);
  if (factor === 1) return { jpeg: await cropped.jpeg({ quality }).toBuffer(), width, height, box: inCrop, factor };
  const scaled = await cropped.resize(width, height, { kernel: 'lanczos3' }).png().toBuffer();
  const jpeg = await sharp(scaled)
    .composite([{ input: Buffer.from(upscaledLabelSvg(width, height, factor)), top: 0, left: 0 }])
    .jpeg({ quality })
    .toBuffer();
  return { jpeg, width, height, box: inCrop, factor };
}

/** "upscaled ×N" on a dark band in the bottom-left corner, sized to the close-up. */
export function upscaledLabelSvg(width: number, height: number, factor: number): string {
  const text = `upscaled ×${factor} 放大`;
  const { fontSize, lines, lineHeight, bandHeight } = fitCaption(text, width, height);
  const top = height - bandHeight;
  const rows = lines.map((line, i) => `<text x="6" y="${top + 4 + lineHeight * i + fontSize}" font-family="DejaVu Sans, WenQuanYi Zen Hei, sans-serif" font-size="${fontSize}" fill="#fff">${line}</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect x="0" y="${top}" width="${width}" height="${bandHeight}" fill="#000" fill-opacity="0.6"/>${rows.join('')}</svg>`;
}

/** The first-seen frame (left) and the confirming frame (right), each drawn with its time. */
async function sideBySide(start: Frame, confirming: Frame, d: Drawing, ctx: EvidenceContext): Promise<{ jpeg: Buffer; width: number; height: number }> {
  const tz = ctx.timezone ?? 'Asia/Shanghai';
  const dwell = formatDuration((confirming.capturedAt.getTime() - start.capturedAt.getTime()) / 1000);
  const panels = await Promise.all([
    panel(start, d, `${ctx.sourceName} · 首次发现 first seen ${formatLocal(start.capturedAt, tz)}`),
    panel(confirming, d, `${ctx.sourceName} · 确认 confirmed ${formatLocal(confirming.capturedAt, tz)} · 停留 ${dwell}`),
  ]);
  const height = Math.max(panels[0].height, panels[1].height);
  const width = panels[0].width + COMPARISON_GAP + panels[1].width;
  const jpeg = await sharp({ create: { width, height, channels: 3, background: '#202020' } })
    .composite([
      { input: panels[0].jpeg, left: 0, top: 0 },
      { input: panels[1].jpeg, left: panels[0].width + COMPARISON_GAP, top: 0 },
    ])
    .jpeg({ quality: d.quality ?? 90 })
    .toBuffer();
  return { jpeg, width, height };
}

async function panel(frame: Frame, d: Drawing, text: string): Promise<{ jpeg: Buffer; width: number; height: number }> {
  const scale = Math.min(1, COMPARISON_PANEL_MAX_WIDTH / frame.width);
  const width = Math.round(frame.width * scale);
  const height = Math.round(frame.height * scale);
  // Drawn at the panel's size, so lines and text keep the size they have on a frame of that size.
  const pixels = scale === 1 ? rawImage(frame) : sharp(await rawImage(frame).resize(width, height).raw().toBuffer(), { raw: { width, height, channels: 3 } });
  const box = d.box.map((v) => v * scale) as Box;
  const jpeg = await annotate(pixels, width, height, [{ label: d.label, score: d.score, box }], { caption: text, zones: d.zones, jpegQuality: d.quality });
  return { jpeg, width, height };
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
  box: Box | undefined,
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
    ...(box ? { box: box.map((n) => Math.round(n * 10) / 10) as Box } : {}),
  };
}
