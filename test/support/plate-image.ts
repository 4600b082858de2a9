// Chinese number plates drawn for tests: the layout of GA 36-2018 (440x140 mm, characters 45 mm
// wide and 90 mm high, 12 mm apart, a dot after the second) in WenQuanYi Zen Hei, the CJK font of
// the Debian package fonts-wqy-zenhei, rendered by sharp (librsvg) from SVG.
import { existsSync } from 'node:fs';
import sharp from 'sharp';

export const CJK_FONT_FILE = '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc';

export const PLATE_COLOURS = {
  /** Ordinary small car: white on blue. */
  blue: { background: '#0b3d91', text: '#ffffff' },
  /** New-energy car (the real one is a white-to-green gradient): black on green. */
  green: { background: '#5cc98a', text: '#000000' },
} as const;

/** A plate image `width` pixels wide; `text` without the dot, e.g. 京A12345. */
export async function renderPlate(text: string, colours: { background: string; text: string }, width = 440): Promise<Buffer> {
  if (!existsSync(CJK_FONT_FILE)) throw new Error(`${CJK_FONT_FILE} is missing: install the Debian package fonts-wqy-zenhei`);
  const chars = [...text];
  // An 8-character new-energy plate (480 mm) packs its characters tighter.
  const charWidth = chars.length > 7 ? 43 : 45;
  const gap = chars.length > 7 ? 9 : 12;
  const dotGap = chars.length > 7 ? 30 : 34;
  const plateWidth = 15.5 * 2 + chars.length * charWidth + (chars.length - 2) * gap + dotGap;
  const xs: number[] = [];
  let x = 15.5;
  chars.forEach((_, i) => {
    xs.push(x + charWidth / 2);
    x += charWidth + (i === 1 ? dotGap : gap);
  });
  const glyphs = chars
    .map((c, i) => {
      const size = /[\u4e00-\u9fff]/.test(c) ? 84 : 96;
      return `<text x="${xs[i]}" y="101" font-family="WenQuanYi Zen Hei" font-size="${size}" fill="${colours.text}" text-anchor="middle">${c}</text>`;
    })
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${plateWidth}" height="140">
    <rect width="${plateWidth}" height="140" rx="12" fill="${colours.background}"/>
    <rect x="5" y="5" width="${plateWidth - 10}" height="130" rx="9" fill="none" stroke="${colours.text}" stroke-width="3"/>
    ${glyphs}<circle cx="${xs[1]! + charWidth / 2 + dotGap / 2}" cy="70" r="5" fill="${colours.text}"/></svg>`;
  return sharp(Buffer.from(svg)).resize(width).png().toBuffer();
}

/** A plate as a camera sees it: turned by `tiltDegrees` (a car parked at an angle) and blurred (focus, motion). */
export async function distortPlate(plate: Buffer, options: { tiltDegrees?: number; blurSigma?: number } = {}): Promise<Buffer> {
  let img = sharp(plate);
  if (options.tiltDegrees) img = sharp(await img.rotate(options.tiltDegrees, { background: { r: 0, g: 0, b: 0, alpha: 0 } }).png().toBuffer());
  if (options.blurSigma) img = img.blur(options.blurSigma);
  return img.png().toBuffer();
}

const SERIAL = 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789';
const LETTERS = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const PROVINCE_CHARS = '京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼';

/** Plate numbers for measurements, from a seeded generator: blue 京A1B2C3-style (7), green 粤BD12345-style (8). */
export function plateNumbers(count: number, kind: 'blue' | 'green', seed = 1): string[] {
  let s = seed >>> 0;
  const next = () => {
    // mulberry32
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = (chars: string) => [...chars][Math.floor(next() * [...chars].length)]!;
  return Array.from({ length: count }, () => {
    const head = pick(PROVINCE_CHARS) + pick(LETTERS);
    if (kind === 'blue') return head + Array.from({ length: 5 }, () => pick(SERIAL)).join('');
    return head + pick('DF') + pick(SERIAL) + Array.from({ length: 4 }, () => pick('0123456789')).join('');
  });
}
