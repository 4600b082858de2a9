// An HTML page with the images each model got most wrong, boxes drawn: what a person looks at to
// see *why* the numbers are what they are (small objects missed, buses called trains, …).
import sharp from 'sharp';
import { iou } from '../../pipeline/detect/nms.ts';
import type { Box } from '../../contracts/types.ts';
import type { ImageResult } from './metrics.ts';

interface Mistakes {
  image: string;
  found: Box[];
  missed: Array<{ label: string; box: Box }>;
  wrong: Array<{ label: string; score: number; box: Box }>;
}

/** Per image, at the operating threshold: objects found, objects missed, boxes that match nothing. */
export function mistakesOf(result: ImageResult, threshold: number, labels: ReadonlySet<string>): Mistakes {
  const dets = result.detections.filter((d) => d.score >= threshold && labels.has(d.label));
  const gts = result.groundTruth;
  const found: Box[] = [];
  const missed: Mistakes['missed'] = [];
  for (const g of gts) {
    if (g.ignore) continue;
    if (dets.some((d) => d.label === g.label && iou(d.box, g.box) >= 0.5)) found.push(g.box);
    else missed.push(g);
  }
  const wrong = dets.filter((d) => !gts.some((g) => g.label === d.label && iou(d.box, g.box) >= 0.5));
  return { image: result.image, found, missed, wrong };
}

export async function htmlReport(
  runs: ReadonlyArray<{ modelId: string; results: readonly ImageResult[] }>,
  threshold: number,
  worst = 6,
): Promise<string> {
  const sections: string[] = [];
  for (const run of runs) {
    const labels = new Set(run.results.flatMap((r) => r.groundTruth.map((g) => g.label)));
    const ranked = run.results
      .map((r) => mistakesOf(r, threshold, labels))
      .sort((a, b) => b.missed.length + b.wrong.length - (a.missed.length + a.wrong.length))
      .slice(0, worst);
    const figures = await Promise.all(ranked.map(async (m) => {
      const src = await drawMistakes(m);
      return `<figure><img src="${src}"><figcaption>${escapeHtml(m.image)}: ${m.found.length} found, ${m.missed.length} missed, ${m.wrong.length} false</figcaption></figure>`;
    }));
    sections.push(`<h2>${escapeHtml(run.modelId)}</h2>${figures.join('')}`);
  }
  return `<!doctype html><meta charset="utf-8"><title>Detector evaluation</title>
<style>body{font-family:sans-serif;margin:2em}figure{display:inline-block;margin:0 1em 1em 0;vertical-align:top}img{max-width:640px;display:block}
.k span{display:inline-block;padding:0 .5em;margin-right:1em;color:#fff}</style>
<h1>Worst images per model</h1><p class="k">score ≥ ${threshold}, IoU ≥ 0.5 —
<span style="background:#1a7f37">found</span><span style="background:#d97706">missed</span><span style="background:#c62828">false</span></p>
${sections.join('\n')}`;
}

async function drawMistakes(m: Mistakes): Promise<string> {
  const image = sharp(m.image).autoOrient();
  const { width, height } = await image.metadata();
  // Lines stay about 3 pixels wide after the page shrinks the image to 640.
  const stroke = Math.max(3, Math.round((width ?? 640) / 210));
  const rect = (b: Box, colour: string, dash = '') =>
    `<rect x="${b[0]}" y="${b[1]}" width="${b[2] - b[0]}" height="${b[3] - b[1]}" fill="none" stroke="${colour}" stroke-width="${stroke}" ${dash}/>`;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${[
    ...m.found.map((b) => rect(b, '#1a7f37')),
    ...m.missed.map((g) => rect(g.box, '#d97706', `stroke-dasharray="${stroke * 3} ${stroke * 2}"`)),
    ...m.wrong.map((d) => rect(d.box, '#c62828')),
  ].join('')}</svg>`;
  // sharp resizes before it composites, so draw at full size first, then shrink for the page.
  const drawn = await image.composite([{ input: Buffer.from(svg) }]).png().toBuffer();
  const jpeg = await sharp(drawn).resize({ width: Math.min(width ?? 640, 640) }).jpeg({ quality: 80 }).toBuffer();
  return `data:image/jpeg;base64,${jpeg.toString('base64')}`;
}

function escapeHtml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
