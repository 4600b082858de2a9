// Draws detections onto an image for people: the demo's output folder now, a case's evidence
// frame later. Boxes and labels are an SVG overlay composited by sharp, so no canvas library and
// no pixel loops.
import sharp, { type Sharp } from 'sharp';
import type { Detection } from '../../contracts/types.ts';

export interface AnnotateOptions {
  /** A line of text across the top, e.g. camera name and capture time. */
  caption?: string;
  jpegQuality?: number;
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
  const svg = overlaySvg(width, height, detections, options.caption);
  return base
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .jpeg({ quality: options.jpegQuality ?? 90 })
    .toBuffer();
}

export function overlaySvg(width: number, height: number, detections: readonly Detection[], caption?: string): string {
  // Line and text sizes follow the image so labels stay legible on 4000-pixel drone photos.
  const stroke = Math.max(2, Math.round(Math.min(width, height) / 300));
  const font = Math.max(12, Math.round(Math.min(width, height) / 45));
  const parts: string[] = [];
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
    parts.push(
      `<rect x="0" y="${height - font - 10}" width="${width}" height="${font + 10}" fill="#000" fill-opacity="0.6"/>`,
      `<text x="6" y="${height - 7}" font-family="${FONT_FAMILY}" font-size="${font}" fill="#fff">${escapeXml(caption)}</text>`,
    );
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`;
}

// DejaVu for Latin text; WenQuanYi Zen Hei (Debian fonts-wqy-zenhei) for captions and labels in
// Chinese (camera names, 违停, plates), which DejaVu has no glyphs for.
const FONT_FAMILY = 'DejaVu Sans, WenQuanYi Zen Hei, sans-serif';

/** Approximate width of a text in em: CJK characters are square, Latin ones about 0.6 em. */
export function textEm(text: string): number {
  let em = 0;
  for (const ch of text) em += /[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]/.test(ch) ? 1 : 0.6;
  return em;
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
