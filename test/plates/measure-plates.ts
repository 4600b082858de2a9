// Exact-match and wrong-read rates of the plate reader on plates the tests render (blue 7-character
// and green 8-character new-energy plates), level and tilted 5-20°, sharp and blurred, pasted on the
// truck of darknet's dog.jpg enlarged ×3 (the plate about 130 px wide, as on a close camera).
//   npx tsx test/plates/measure-plates.ts [--count N] [--json]
// Prints one row per condition and the totals; a wrong read (a plate number that is not the one
// rendered) is what costs a city: an unreadable plate only costs a reviewer a look.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { loadManifest } from '../../models/manifest.ts';
import { createPlateReader } from '../../pipeline/plates/plate-reader.ts';
import { distortPlate, PLATE_COLOURS, plateNumbers, renderPlate } from '../support/plate-image.ts';
import { samplePath } from '../support/samples.ts';

const { values } = parseArgs({ options: { count: { type: 'string', default: '8' }, json: { type: 'boolean', default: false } } });
const count = Number(values.count);
const TILTS = [0, 5, 10, 15, 20];
const BLURS = [0, 1.5];
const TRUCK = { left: 440, top: 60, width: 270, height: 130 };

const reader = await createPlateReader((await loadManifest()).plateReader!, { threads: 2 });
const truck = await sharp(await readFile(samplePath('darknet/dog.jpg'))).extract(TRUCK).resize(TRUCK.width * 3).toBuffer();

interface Row {
  colour: 'blue' | 'green';
  tilt: number;
  blur: number;
  plates: number;
  exact: number;
  wrong: number;
  unreadable: number;
  wrongReads: string[];
}
const rows: Row[] = [];
for (const colour of ['blue', 'green'] as const) {
  const numbers = plateNumbers(count, colour, colour === 'blue' ? 7 : 8);
  for (const tilt of TILTS) {
    for (const blur of BLURS) {
      const row: Row = { colour, tilt, blur, plates: 0, exact: 0, wrong: 0, unreadable: 0, wrongReads: [] };
      for (const [i, text] of numbers.entries()) {
        // Alternate the direction of the tilt: cars stand both ways.
        const plate = await distortPlate(await sharp(await renderPlate(text, PLATE_COLOURS[colour])).resize(132).png().toBuffer(), { tiltDegrees: i % 2 ? -tilt : tilt, blurSigma: blur });
        const image = await sharp(truck).composite([{ input: plate, left: 420, top: 240 }]).jpeg({ quality: 90 }).toBuffer();
        const reading = await reader.readPlate(image);
        row.plates++;
        if ('unreadable' in reading) row.unreadable++;
        else if (reading.text === text) row.exact++;
        else {
          row.wrong++;
          row.wrongReads.push(`${text}→${reading.text}`);
        }
      }
      rows.push(row);
    }
  }
}
await reader.close();

const total = (pick: (r: Row) => boolean) => {
  const rs = rows.filter(pick);
  const n = rs.reduce((s, r) => s + r.plates, 0);
  return { plates: n, exact: rs.reduce((s, r) => s + r.exact, 0), wrong: rs.reduce((s, r) => s + r.wrong, 0) };
};
const summary = {
  all: total(() => true),
  level: total((r) => r.tilt === 0),
  tilted: total((r) => r.tilt > 0),
  blue: total((r) => r.colour === 'blue'),
  green: total((r) => r.colour === 'green'),
};
if (values.json) {
  console.log(JSON.stringify({ rows, summary }, null, 2));
} else {
  console.log('colour  tilt  blur  plates  exact  wrong  unreadable  wrong reads');
  for (const r of rows) {
    console.log(`${r.colour.padEnd(6)}  ${String(r.tilt).padStart(3)}°  ${r.blur.toFixed(1)}  ${String(r.plates).padStart(6)}  ${String(r.exact).padStart(5)}  ${String(r.wrong).padStart(5)}  ${String(r.unreadable).padStart(10)}  ${r.wrongReads.join(' ')}`);
  }
  for (const [name, t] of Object.entries(summary)) {
    console.log(`${name.padEnd(7)} ${t.exact}/${t.plates} exact (${((100 * t.exact) / t.plates).toFixed(1)}%), ${t.wrong} wrong (${((100 * t.wrong) / t.plates).toFixed(1)}%)`);
  }
}
