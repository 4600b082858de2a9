// Which recognised strings are Chinese motor-vehicle plates (GA 36-2018), so that a shop sign or a
// phone number on a van never becomes the plate on a parking case.
//
//   ordinary       京A12345   province + issuing-authority letter + 5 letters/digits
//   special        京A1234警  the fifth serial character is 学 警 挂 港 澳 领 试 超
//   new energy     京AD12345  small: D or F first (A-K since 2022), then a letter/digit, then 4 digits
//                  京A12345D  large: 5 digits, then D or F (A-K)
//
// Plates never use the letters I and O (too close to 1 and 0), so a recogniser's I/O in the serial
// is read as 1/0; in the authority-letter position they make the text not a plate.
// Not covered: two-row plates (rear plates of trucks and trailers), military and embassy plates.

import type { DecodedChar } from './ctc.ts';

export const PROVINCES = '京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼';
const LETTER = '[A-HJ-NP-Z]';
const SERIAL = '[A-HJ-NP-Z0-9]';
const NEV = '[A-HJK]';
const PLATE_PATTERNS: ReadonlyArray<{ kind: PlateKind; pattern: RegExp }> = [
  { kind: 'ordinary', pattern: new RegExp(`^[${PROVINCES}]${LETTER}${SERIAL}{5}$`) },
  { kind: 'special', pattern: new RegExp(`^[${PROVINCES}]${LETTER}${SERIAL}{4}[学警挂港澳领试超]$`) },
  { kind: 'new-energy', pattern: new RegExp(`^[${PROVINCES}]${LETTER}(?:${NEV}${SERIAL}[0-9]{4}|[0-9]{5}${NEV})$`) },
];

export type PlateKind = 'ordinary' | 'special' | 'new-energy';

export interface PlateMatch {
  /** Without separators, e.g. 京A12345. */
  text: string;
  kind: PlateKind;
  /** Mean probability of the plate's characters. */
  confidence: number;
  /** The least sure character's probability: one doubtful character makes a wrong number. */
  weakest: number;
}

/** Characters painted or printed between plate groups that are not part of the number. */
const SEPARATORS = /^[\s·•.。・:：\-_—]$/;

/**
 * The best plate inside a recognised line: the line may carry more than the plate (a frame edge
 * read as "I", a sticker), so every window starting at a province character is tried.
 */
export function findPlate(chars: readonly DecodedChar[]): PlateMatch | undefined {
  const clean = chars.filter((c) => !SEPARATORS.test(c.char)).map((c) => ({ ...c, char: toHalfWidth(c.char).toUpperCase() }));
  let best: PlateMatch | undefined;
  for (let start = 0; start < clean.length; start++) {
    if (!PROVINCES.includes(clean[start]!.char)) continue;
    // New-energy plates have 8 characters; try the longer reading first so 京AD12345 is not cut to 京AD1234.
    for (const length of [8, 7]) {
      const window = clean.slice(start, start + length);
      if (window.length !== length) continue;
      const text = window.map((c, i) => (i >= 2 ? serialChar(c.char) : c.char)).join('');
      const kind = plateKind(text);
      if (!kind) continue;
      const confidence = window.reduce((s, c) => s + c.prob, 0) / length;
      const weakest = Math.min(...window.map((c) => c.prob));
      if (!best || confidence > best.confidence) best = { text, kind, confidence, weakest };
      break;
    }
  }
  return best;
}

export function plateKind(text: string): PlateKind | undefined {
  return PLATE_PATTERNS.find((p) => p.pattern.test(text))?.kind;
}

function serialChar(c: string): string {
  return c === 'O' ? '0' : c === 'I' ? '1' : c;
}

/** Full-width Latin letters and digits (Ａ, １) as ASCII. */
function toHalfWidth(c: string): string {
  const code = c.charCodeAt(0);
  return code >= 0xff01 && code <= 0xff5e ? String.fromCharCode(code - 0xfee0) : c;
}
