// A fine-tuned detector (`npm run train -- detector` output: OUT/<id>.onnx and OUT/manifest.json)
// becomes a version of the `aerial-detector` target, in stages: read its declaration → check its
// file against the pinned sha256 and its base against the product manifest → copy it into its
// version folder → keep the trainer's held-out images there → measure it and the live aerial
// detector (or, with none live, its base) on them → the promotion rule → stored. Registering never
// promotes by itself: promoteVersion does, refusing what the rule refused unless overridden.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_MANIFEST, findModel, loadManifest, ManifestError, type ModelEntry } from '../manifest.ts';
import { DETECTOR_HELD_OUT_DIR, keepHeldOut, measureDetector, type HeldOutSet } from './detector-held-out.ts';
import { decideDetectorPromotion, DETECTOR_PROMOTION_RULE } from './detector-promotion-rule.ts';
import { versionsDir, type VersionsPlace } from './promotion.ts';
import { getVersion, insertVersion, liveVersions, VersionConflictError, type Comparison, type ModelVersion } from './version-store.ts';

/** The target of detectors fine-tuned on drone images: the survey worker runs its live version as an aerial model. */
export const AERIAL_DETECTOR_TARGET = 'aerial-detector';
/** Families the trainer can start from (models/train/train-detector.ts). */
const KNOWN_FAMILIES = ['nanodet'];

export class DetectorRegistrationError extends Error {
  override name = 'DetectorRegistrationError';
}

export interface RegisterDetectorOptions {
  /** OUT/manifest.json the trainer wrote. */
  manifest: string;
  id: string;
  /** The training dataset, when it moved since training (default: the one the manifest records). */
  dataset?: string;
  actor: string;
  at: Date;
  threads?: number;
  /** Kept with the version's training summary (the training job's runKey). */
  trainingNotes?: Record<string, unknown>;
  log?: (obj: object, msg: string) => void;
}

type Item = Record<string, unknown>;

export async function registerDetector(place: VersionsPlace, o: RegisterDetectorOptions): Promise<ModelVersion> {
  const log = o.log ?? (() => undefined);
  const declared = await readDeclaration(o.manifest, o.id);
  await checkPinnedFile(declared, path.dirname(path.resolve(o.manifest)));
  const base = await checkBase(declared, place.baseManifest ?? DEFAULT_MANIFEST);
  if ((await place.db.query('SELECT 1 FROM model_versions WHERE id = $1', [o.id])).length > 0) {
    throw new VersionConflictError(`model version "${o.id}" exists already; train it again under another --id`);
  }
  const dir = path.join(versionsDir(place.modelsDir), o.id);
  await rm(dir, { recursive: true, force: true });
  try {
    const entry = await copyIntoVersion(declared, path.dirname(path.resolve(o.manifest)), dir);
    const candidate = findModel(await loadManifest(path.join(dir, 'manifest.json')), o.id);
    const training = (declared.training ?? {}) as Item;
    const dataset = o.dataset ?? (typeof training.dataset === 'string' ? training.dataset : undefined);
    if (dataset === undefined) throw new DetectorRegistrationError(`${o.manifest}: "${o.id}" records no training dataset, so its held-out images are unknown; give the dataset (--dataset)`);
    const heldOut = await keepHeldOut(
      { dataset, labelMap: typeof training.labelMap === 'string' ? training.labelMap : null },
      path.join(dir, DETECTOR_HELD_OUT_DIR),
    );
    const { comparison, live } = await compareOnHeldOut(place, candidate, base, heldOut, o.threads);
    log({ id: o.id, against: comparison.current?.id, decision: comparison.decision, reasons: comparison.reasons, rule: DETECTOR_PROMOTION_RULE }, `detector version: ${comparison.decision} ${o.id}`);
    await insertVersion(place.db, {
      id: o.id, kind: 'detector', target: AERIAL_DETECTOR_TARGET, parentId: live?.id ?? null,
      dir: path.relative(place.modelsDir, dir), entry,
      training: { ...training, base: declared.base, heldOutImages: heldOut.images, ...o.trainingNotes },
      metrics: (declared.metrics ?? {}) as Item,
      comparison, createdAt: o.at, createdBy: o.actor,
    });
    return getVersion(place.db, o.id);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** The candidate and the live aerial detector (with none live, the base) on the same held-out images, and the rule's decision. */
async function compareOnHeldOut(place: VersionsPlace, candidate: ModelEntry, base: ModelEntry, heldOut: HeldOutSet, threads?: number): Promise<{ comparison: Comparison; live: ModelVersion | null }> {
  const liveId = (await liveVersions(place.db)).get(AERIAL_DETECTOR_TARGET) ?? null;
  const live = liveId === null ? null : await getVersion(place.db, liveId);
  const current = live === null ? base : await detectorEntryOf(place, live);
  const measure = (e: ModelEntry) => measureDetector(e, heldOut.dir, candidate.labels, { tiles: true, ...(threads ? { threads } : {}) });
  const mine = await measure(candidate);
  const theirs = await measure(current);
  const rule = decideDetectorPromotion(mine, theirs, live === null ? `base ${base.id}` : `live ${live.id}`, heldOut.heldOut);
  const comparison: Comparison = {
    heldOut: { images: heldOut.images, objects: mine.objects, tiled: true },
    candidate: { id: candidate.id, ...mine },
    current: { id: current.id, ...(live === null ? { base: true } : {}), ...theirs },
    rule: DETECTOR_PROMOTION_RULE,
    ...rule,
  };
  return { comparison, live };
}

/** A detector version's entry, loaded (files resolved) from the manifest in its folder. */
export async function detectorEntryOf(place: Pick<VersionsPlace, 'modelsDir'>, v: ModelVersion): Promise<ModelEntry> {
  return findModel(await loadManifest(path.join(place.modelsDir, v.dir, 'manifest.json')), v.id);
}

async function readDeclaration(file: string, id: string): Promise<Item> {
  let raw: { models?: unknown };
  try {
    raw = JSON.parse(await readFile(file, 'utf8')) as { models?: unknown };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DetectorRegistrationError(code === 'ENOENT' ? `${file}: no such file (the trainer's OUT/manifest.json)` : `${file}: not a JSON manifest (${(error as Error).message})`);
  }
  const models = Array.isArray(raw.models) ? (raw.models as Item[]) : [];
  const entry = models.find((m) => m.id === id);
  if (!entry) throw new DetectorRegistrationError(`${file} declares no model "${id}" (it declares: ${models.map((m) => String(m.id)).join(', ') || 'nothing'})`);
  if (entry.kind !== 'detector') throw new DetectorRegistrationError(`${file}: "${id}" is a ${String(entry.kind)}, not a detector`);
  if (!KNOWN_FAMILIES.includes(String(entry.format))) {
    throw new DetectorRegistrationError(`${file}: "${id}" is a ${String(entry.format)} detector; only ${KNOWN_FAMILIES.join(', ')} detectors the trainer writes can be registered`);
  }
  return entry;
}

async function checkPinnedFile(entry: Item, dir: string): Promise<void> {
  const file = path.resolve(dir, String(entry.file));
  if (!existsSync(file)) throw new DetectorRegistrationError(`${file}: the model file of "${String(entry.id)}" is missing`);
  const sha256 = createHash('sha256').update(await readFile(file)).digest('hex');
  if (sha256 !== entry.sha256) {
    throw new DetectorRegistrationError(`${file} has sha256 ${sha256}, but its manifest pins ${String(entry.sha256)}: the file changed after training; not registered`);
  }
}

async function checkBase(entry: Item, baseManifest: string): Promise<ModelEntry> {
  const declared = entry.base as { id?: unknown; sha256?: unknown } | undefined;
  if (!declared || typeof declared.id !== 'string') {
    throw new DetectorRegistrationError(`"${String(entry.id)}" names no base detector ("base": {"id", "sha256"}): only detectors fine-tuned by npm run train -- detector can be registered`);
  }
  let base: ModelEntry;
  try {
    base = findModel(await loadManifest(baseManifest), declared.id);
  } catch (error) {
    if (error instanceof ManifestError) throw new DetectorRegistrationError(`its base "${declared.id}" is not a detector of ${baseManifest}: ${error.message}`);
    throw error;
  }
  if (!KNOWN_FAMILIES.includes(base.format)) {
    throw new DetectorRegistrationError(`its base "${base.id}" is a ${base.format} detector, a family the trainer does not know (${KNOWN_FAMILIES.join(', ')})`);
  }
  if (declared.sha256 !== base.sha256) {
    throw new DetectorRegistrationError(`its base "${base.id}" had sha256 ${String(declared.sha256)} when it was trained, but ${baseManifest} now pins ${base.sha256}: it cannot be compared with the base it came from`);
  }
  return base;
}

/** The version folder: its ONNX and labels, and a manifest declaring it as an aerial detector. */
async function copyIntoVersion(entry: Item, from: string, dir: string): Promise<Item> {
  await mkdir(dir, { recursive: true });
  const onnx = `${String(entry.id)}.onnx`;
  const labels = `${String(entry.id)}.labels.txt`;
  await copyFile(path.resolve(from, String(entry.file)), path.join(dir, onnx));
  await copyFile(path.resolve(from, String(entry.labels)), path.join(dir, labels));
  // Declared but only run where surveys run it: the flag keeps it off the camera path.
  const { training: _t, metrics: _m, enabled: _e, ...rest } = entry;
  const out: Item = { ...rest, file: onnx, labels, aerial: true };
  await writeFile(path.join(dir, 'manifest.json'), `${JSON.stringify({ defaultDetector: entry.id, models: [out] }, null, 2)}\n`);
  return out;
}
