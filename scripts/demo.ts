// The main job (`npm start`), on embedded defaults: detection with the default model on the sample
// images, annotated copies written to out/demo/. Later stages of the product grow from here.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { findModel, loadManifest } from '../models/manifest.ts';
import { detectFiles } from '../pipeline/detect/detect-files.ts';
import { createDetector } from '../pipeline/detect/detector.ts';

const root = path.resolve(import.meta.dirname, '..');
const sampleDir = path.join(root, 'samples/cache/darknet');
const outDir = path.join(root, 'out/demo');

const manifest = await loadManifest();
const model = findModel(manifest);
const detector = await createDetector(model);
console.log(`detector: ${model.id} (${model.format}, ${model.labels.length} labels) — ${model.source}`);
if (model.notes) console.log(`note: ${model.notes}`);

const images = (await readdir(sampleDir)).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort().map((f) => path.join(sampleDir, f));
let failed = 0;
for await (const result of detectFiles(detector, images, outDir)) {
  const name = path.relative(root, result.image);
  if ('error' in result) {
    failed++;
    console.log(`  ${name}: ERROR ${result.error}`);
    continue;
  }
  const counts = new Map<string, number>();
  for (const d of result.detections) counts.set(d.label, (counts.get(d.label) ?? 0) + 1);
  const summary = [...counts].map(([label, n]) => (n > 1 ? `${n} ${label}` : label)).join(', ') || 'nothing';
  console.log(`  ${name}: ${summary}  →  ${path.relative(root, result.annotated!)}`);
}
await detector.close();
console.log(`annotated images: ${path.relative(process.cwd(), outDir) || '.'}/`);
process.exit(failed > 0 ? 1 : 0);
