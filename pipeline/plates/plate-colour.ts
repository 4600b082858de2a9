// The colour of a plate's background, from the pixels of its text line. It says how many
// characters the number has: a green (new-energy) plate carries 8, a blue or yellow one 7, so a
// 7-character reading of a green plate has dropped one and must not pass as a blue plate's number.
import type { RgbImage } from './warp.ts';

export type PlateColour = 'green' | 'blue' | 'yellow' | 'other';

/** Share of a line's saturated pixels of one hue family above which the plate is that colour. */
const MIN_SHARE = 0.3;

/** Hue (degrees) and saturation (0-1) of an RGB pixel. */
function hueSat(r: number, g: number, b: number): [number, number] {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const d = max - min;
  if (max === 0 || d === 0) return [0, 0];
  const h = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  return [(h * 60 + 360) % 360, d / max];
}

/**
 * The dominant background hue of the line: green 75-165°, blue 190-250°, yellow 35-70°, among
 * pixels saturated enough to have a colour (white characters and black ones have none).
 */
export function plateColour(line: RgbImage): PlateColour {
  const counts = { green: 0, blue: 0, yellow: 0 };
  const { pixels } = line;
  const n = line.width * line.height;
  for (let i = 0; i < n; i++) {
    const [h, s] = hueSat(pixels[i * 3]!, pixels[i * 3 + 1]!, pixels[i * 3 + 2]!);
    if (s < 0.25) continue;
    if (h >= 75 && h <= 165) counts.green++;
    else if (h >= 190 && h <= 250) counts.blue++;
    else if (h >= 35 && h < 70) counts.yellow++;
  }
  const [colour, count] = (Object.entries(counts) as Array<[PlateColour, number]>).sort((a, b) => b[1] - a[1])[0]!;
  return count >= MIN_SHARE * n ? colour : 'other';
}
