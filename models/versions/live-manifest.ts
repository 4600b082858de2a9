// The manifest the workers read when versions are promoted: DATA_DIR/models/manifest.json, the
// product manifest (models/manifest.json) with every file made absolute, plus the entry of each
// target's live version. Written whole to a temporary file and renamed over the old one, so a
// worker's registry (models/registry.ts watches the folder) never reads half a manifest and
// hot-reloads the new generation. Rewritten at every start too, so a change to the product
// manifest (a new detector) reaches it.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { DEFAULT_MANIFEST, loadManifest } from '../manifest.ts';

type Item = Record<string, unknown>;

export function liveManifestPath(modelsDir: string): string {
  return path.join(modelsDir, 'manifest.json');
}

/** The manifest workers should read: the live one once a version was promoted, else the product's. */
export function workerManifestPath(modelsDir: string | undefined): string {
  const live = modelsDir === undefined ? undefined : liveManifestPath(modelsDir);
  return live !== undefined && existsSync(live) ? live : DEFAULT_MANIFEST;
}

export interface LiveEntry {
  /** The version's folder (absolute). */
  dir: string;
  entry: Item;
}

/**
 * Writes the live manifest: the base's entries, minus classifiers that set a promoted target's
 * attribute (the promoted version replaces them), plus the promoted entries. Checked by loading it
 * before it replaces the old one: a broken manifest never reaches the workers.
 */
export async function writeLiveManifest(modelsDir: string, promoted: readonly LiveEntry[], base: string = DEFAULT_MANIFEST): Promise<string> {
  const raw = JSON.parse(await readFile(base, 'utf8')) as { models: Item[] } & Item;
  const baseDir = path.dirname(path.resolve(base));
  const targets = new Set(promoted.map((p) => p.entry.attribute));
  const models = raw.models
    .filter((m) => !(m.kind === 'classifier' && targets.has(m.attribute)))
    .map((m) => absolutise(m, baseDir));
  for (const p of promoted) models.push(absolutise(p.entry, p.dir));
  const target = liveManifestPath(modelsDir);
  await mkdir(modelsDir, { recursive: true });
  const temp = `${target}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temp, `${JSON.stringify({ ...raw, models }, null, 2)}\n`);
  try {
    await loadManifest(temp);
  } catch (error) {
    await rename(temp, `${temp}.rejected`).catch(() => undefined);
    throw error;
  }
  await rename(temp, target);
  return target;
}

/** An entry whose files (and labels file) are absolute, so it loads from any folder. */
function absolutise(entry: Item, dir: string): Item {
  const out: Item = { ...entry };
  if (typeof out.file === 'string') out.file = absoluteFile(out.file, dir);
  if (typeof out.labels === 'string') out.labels = path.resolve(dir, out.labels);
  for (const part of ['textDetector', 'textRecognizer', 'dictionary']) {
    const sub = out[part] as Item | undefined;
    if (sub && typeof sub.file === 'string') out[part] = { ...sub, file: absoluteFile(sub.file, dir) };
  }
  return out;
}

// "npm:<package>/<path>" is found from the manifest's folder (models/manifest.ts); the live
// manifest may sit outside the repository, so the package is found from the base's folder now.
function absoluteFile(file: string, dir: string): string {
  if (!file.startsWith('npm:')) return path.resolve(dir, file);
  const spec = file.slice(4);
  const parts = spec.split('/');
  const nameParts = spec.startsWith('@') ? 2 : 1;
  const pkg = parts.slice(0, nameParts).join('/');
  const searched = createRequire(path.join(dir, 'manifest.json')).resolve.paths(pkg) ?? [];
  const root = searched.map((d) => path.join(d, pkg)).find((d) => existsSync(d));
  // Not installed: keep the npm: form, so loading says which package to install.
  return root === undefined ? file : path.join(root, ...parts.slice(nameParts));
}
