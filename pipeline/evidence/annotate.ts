// Draws detections onto an image for people: the demo's output folder now, a case's evidence
// frame later. Boxes and labels are an SVG overlay composited by sharp, so no canvas library and
// no pixel loops.
import sharp, { type Sharp } from 'sharp';
import type { Detection } from '../../contracts/types.ts';

export interface AnnotateOptions {
  /** A footer across the bottom, e.g. camera name and capture time; wrapped or shrunk to fit, never cut. */
  caption?: string;
  /** Zones to outline (the rule's zone on evidence), in normalised 0-1 coordinates. */
  zones?: readonly ZoneOutline[];
  jpegQuality?: number;
}

export interface ZoneOutline {
  polygon: ReadonlyArray<readonly [number, number]>;
  /** Shown at the outline's first point. */
  name?: string;
}

/** Returns a JPEG of `image` (encoded bytes or a sharp pipeline) with each detection drawn. */
export async function annotate(
  image: Buffer | Sharp,
  width: number,
  height: number,
  detections: readonly Detection[],
  options: AnnotateOptions = {},
): Promise<Buffer> {
  const base = Buffer.isBuffer(image) ? sharp(image).autoOrient() : image;
  const svg = overlaySvg(width, height, detections, options.caption, options.zones);
  return base
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .jpeg({ quality: options.jpegQuality ?? 90 })
    .toBuffer();
}

export function overlaySvg(
  width: number,
  height: number,
  detections: readonly Detection[],
  caption?: string,
  zones: readonly ZoneOutline[] = [],
): string {
  // Line and text sizes follow the image so labels stay legible on 4000-pixel drone photos.
  const stroke = Math.max(2, Math.round(Math.min(width, height) / 300));
  const font = baseFontSize(width, height);
  const parts: string[] = [];
  // Zones first, so boxes and labels are drawn over them; their names stay above the footer.
  const floor = caption ? height - fitCaption(caption, width, height).bandHeight : height;
  for (const z of zones) parts.push(...zoneSvg(z, width, floor, height, stroke, font));
  for (const d of detections) {
    const [x1, y1, x2, y2] = d.box.map((v) => Math.round(v)) as [number, number, number, number];
    const colour = colourFor(d.label);
    const text = `${d.label} ${d.score.toFixed(2)}`;
    const textWidth = Math.round(textEm(text) * font) + 6;
    const labelY = y1 - font - 4 >= 0 ? y1 - font - 4 : y1;
    parts.push(
      `<rect x="${x1}" y="${y1}" width="${Math.max(1, x2 - x1)}" height="${Math.max(1, y2 - y1)}" fill="none" stroke="${colour}" stroke-width="${stroke}"/>`,
      `<rect x="${x1}" y="${labelY}" width="${textWidth}" height="${font + 4}" fill="${colour}"/>`,
      `<text x="${x1 + 3}" y="${labelY + font}" font-family="${FONT_FAMILY}" font-size="${font}" fill="#fff">${escapeXml(text)}</text>`,
    );
  }
  if (caption) {
    const footer = fitCaption(caption, width, height);
    const top = height - footer.bandHeight;
    parts.push(`<rect x="0" y="${top}" width="${width}" height="${footer.bandHeight}" fill="#000" fill-opacity="0.6"/>`);
    footer.lines.forEach((line, i) => {
      const y = top + CAPTION_PAD + footer.lineHeight * i + footer.fontSize;
      parts.push(`<text x="${CAPTION_MARGIN}" y="${y}" font-family="${FONT_FAMILY}" font-size="${footer.fontSize}" fill="#fff">${escapeXml(line)}</text>`);
    });
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`;
}

/** Text size for labels and captions on an image of this size. */
export function baseFontSize(width: number, height: number): number {
  return Math.max(12, Math.round(Math.min(width, height) / 45));
}

const ZONE_COLOUR = '#ffd400';

function zoneSvg(z: ZoneOutline, width: number, floor: number, height: number, stroke: number, font: number): string[] {
  if (z.polygon.length < 3) return [];
  const points = z.polygon.map(([x, y]) => `${Math.round(x * width)},${Math.round(y * height)}`).join(' ');
  const out = [
    `<polygon points="${points}" fill="${ZONE_COLOUR}" fill-opacity="0.12" stroke="${ZONE_COLOUR}" stroke-width="${stroke}" stroke-dasharray="${stroke * 4},${stroke * 2}"/>`,
  ];
  if (z.name) {
    // The name sits inside the zone at its bottom-left-most corner (detection labels crowd the top),
    // above the footer, cut to the picture's width.
    const [px, py] = z.polygon.reduce((a, b) => (b[1] - b[0] > a[1] - a[0] ? b : a));
    const size = Math.max(10, Math.round(font * 0.85));
    // Cut to the room right of that point; a point near the right edge moves the name left instead.
    const x0 = Math.max(2, Math.round(px * width) + 3);
    const name = ellipsis(z.name, Math.max(width - x0 - 4, Math.min(width - 8, 8 * size)) / size);
    const x = Math.min(x0, Math.max(2, width - Math.ceil(textEm(name) * size) - 4));
    const y = Math.max(size + 2, Math.min(Math.round(py * height) - 5, floor - 5));
    out.push(`<text x="${x}" y="${y}" font-family="${FONT_FAMILY}" font-size="${size}" fill="${ZONE_COLOUR}" stroke="#000" stroke-width="0.6" paint-order="stroke">${escapeXml(name)}</text>`);
  }
  return out;
}

export interface CaptionLayout {
  fontSize: number;
  lines: string[];
  lineHeight: number;
  /** Height of the dark band behind the text, at the bottom of the image. */
  bandHeight: number;
}

/** Left (and right) margin of the footer text, in pixels. */
export const CAPTION_MARGIN = 6;
const CAPTION_PAD = 4;
/** The footer never uses more lines than this; a longer text keeps its end cut with an ellipsis. */
const MAX_CAPTION_LINES = 4;

/**
 * How a footer fits the image's width: at the normal size when it can, else shrunk down to
 * three quarters of it (never below 10 px), else wrapped at the " · " between its parts (and within
 * a part that is still too long on its own).
 */
export function fitCaption(caption: string, width: number, height: number): CaptionLayout {
  const base = baseFontSize(width, height);
  const room = Math.max(1, width - 2 * CAPTION_MARGIN);
  const smallest = Math.max(10, Math.floor(base * 0.75));
  const needed = textEm(caption);
  const fontSize = Math.max(smallest, Math.min(base, Math.floor(room / needed)));
  const lines = fontSize * needed <= room ? [caption] : wrapText(caption, room / fontSize);
  const shown = lines.length > MAX_CAPTION_LINES ? [...lines.slice(0, MAX_CAPTION_LINES - 1), ellipsis(lines.slice(MAX_CAPTION_LINES - 1).join(' '), room / fontSize)] : lines;
  const lineHeight = Math.round(fontSize * 1.25);
  return { fontSize, lines: shown, lineHeight, bandHeight: lineHeight * shown.length + 2 * CAPTION_PAD + Math.round(fontSize * 0.25) };
}

/** Greedy wrap into lines of at most `em` em: whole " · " parts where they fit, characters where not. */
export function wrapText(text: string, em: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const part of text.split(' · ')) {
    const joined = line ? `${line} · ${part}` : part;
    if (textEm(joined) <= em) {
      line = joined;
      continue;
    }
    if (line) lines.push(line);
    line = '';
    // A part too long for a line of its own is broken between characters (at a space when there is one).
    let rest = part;
    while (textEm(rest) > em) {
      let cut = 0;
      let used = 0;
      for (const ch of rest) {
        if (used + textEm(ch) > em) break;
        used += textEm(ch);
        cut += ch.length;
      }
      const space = rest.lastIndexOf(' ', cut);
      const at = space > cut / 2 ? space : Math.max(1, cut);
      lines.push(rest.slice(0, at).trimEnd());
      rest = rest.slice(at).trimStart();
    }
    line = rest;
  }
  if (line) lines.push(line);
  return lines;
}

function ellipsis(text: string, em: number): string {
  if (textEm(text) <= em) return text;
  let out = '';
  for (const ch of text) {
    if (textEm(`${out}${ch}…`) > em) break;
    out += ch;
  }
  return `${out}…`;
}

// DejaVu for Latin text; WenQuanYi Zen Hei (Debian fonts-wqy-zenhei) for captions and labels in
// Chinese (camera names, 违停, plates), which DejaVu has no glyphs for.
const FONT_FAMILY = 'DejaVu Sans, WenQuanYi Zen Hei, sans-serif';

/**
 * Width of a text in em, on the generous side of DejaVu Sans' advances (digits 0.64, capitals up to
 * 0.86, i and l 0.28): CJK characters are square. The footer fit relies on it not running short;
 * test/evidence measures rendered text against it.
 */
export function textEm(text: string): number {
  let em = 0;
  for (const ch of text) em += charEm(ch);
  return em;
}

function charEm(ch: string): number {
  if (/[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]/.test(ch)) return 1;
  if (/[mwMW@%]/.test(ch)) return 1;
  if (/[A-Z]/.test(ch)) return 0.76;
  if (/[0-9a-z]/.test(ch)) return 0.65;
  if (/[\s.,:;·|!'()\[\]-]/.test(ch)) return 0.4;
  return 0.7;
}

/** A stable colour per label, so the same kind of object looks the same across images. */
function colourFor(label: string): string {
  let hash = 0;
  for (const ch of label) hash = (hash * 31 + ch.codePointAt(0)!) >>> 0;
  return `hsl(${hash % 360}, 85%, 40%)`;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
