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
