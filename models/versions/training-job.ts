// One training run for a target, in stages: the reviewed crops → the held-out reviews (split by
// source, the same for both models) → a candidate trained on the rest → candidate and live version
// measured on the same held-out reviews → the promotion rule → the version stored, and promoted
// when the rule says so, in one transaction. Idempotent: a retried job whose version was stored
// returns it; files a failed attempt left behind are replaced. A camera's verdict target
// (`verdict_<type>@<camera>`) is measured against the model that would otherwise judge that camera:
// its live camera version, else the type's live version (promotion-rule.ts).
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadManifest, type ClassifierEntry } from '../manifest.ts';
import { metricsJson, trainClassifier, TrainingInputError } from '../train/train-classifier.ts';
import { readImageFolder, type Crop, type ImageFolder } from '../train/image-folder.ts';
import { readDetectorScores, writeDetectorScores } from '../train/verdict-scores.ts';
import { measureOn } from './evaluate-version.ts';
import { splitReviews, treeName, type ReviewSplit } from './review-split.ts';
import { verdictTargetOf } from '../../pipeline/cases/verdict.ts';
import { CAMERA_PROMOTION_RULE, decidePromotion, PROMOTION_RULE } from './promotion-rule.ts';
import { syncLiveManifest, versionsDir, type VersionsPlace } from './promotion.ts';
import { insertVersion, liveVersions, listVersions, recordPromotion, getVersion, type Comparison, type ModelVersion } from './version-store.ts';

/** The held-out reviews of a version, in its folder. */
export const HELD_OUT_DIR = 'held-out';

export interface TrainingRequest {
  /** The attribute the model sets: "cover", "verdict_illegal_parking". */
  target: string;
  /** Detector labels it classifies. */
  appliesTo: string[];
  /** Names this run, so a retried job finds its own version (the BullMQ job id). */
  runKey: string;
}

/** Writes the reviewed crops of a target as an image-folder tree under `into`; returns the tree's folder. */
export type ReviewedCrops = (target: string, into: string) => Promise<string>;

export interface TrainingDeps {
  place: VersionsPlace;
  reviewedCrops: ReviewedCrops;
  now?: () => Date;
  threads?: number;
  log?: (obj: object, msg: string) => void;
}

export interface TrainingOutcome {
  version: ModelVersion;
  promoted: boolean;
}

export async function runTraining(request: TrainingRequest, deps: TrainingDeps): Promise<TrainingOutcome> {
  const { place } = deps;
  const log = deps.log ?? (() => undefined);
  const now = deps.now ?? (() => new Date());
  const done = (await listVersions(place.db, { target: request.target })).find((v) => v.training.runKey === request.runKey);
  if (done) return { version: done, promoted: done.comparison?.decision === 'promote' && done.promotedAt !== null };

  const work = await mkdtemp(path.join(os.tmpdir(), `training-${request.target}-`));
  try {
    const tree = await readImageFolder(await deps.reviewedCrops(request.target, path.join(work, 'reviews')), 2);
    const split = splitReviews(tree.crops);
    const untrained = tree.classes.filter((_, i) => !split.train.some((c) => c.label === i));
    if (untrained.length > 0) {
      throw new TrainingInputError(`${request.target}: every review of ${untrained.join(', ')} is held out for measuring; more reviews from other sources are needed to train`);
    }
    const trainDir = await writeTree(tree, split.train, path.join(work, 'train'), split.splitBy);
    const heldOutDir = await writeTree(tree, split.heldOut, path.join(work, 'held-out'), split.splitBy);
    const heldOut = await readImageFolder(heldOutDir, 1);
    log({ target: request.target, crops: tree.crops.length, train: split.train.length, heldOut: split.heldOut.length, splitBy: split.splitBy }, `training: reviews split by ${split.splitBy}`);

    const id = await nextVersionId(place, request.target);
    const dir = path.join(versionsDir(place.modelsDir), id);
    await rm(dir, { recursive: true, force: true });
    const trained = await trainClassifier({
      // Measured on the run's own held-out reviews, not on a second share of the few it trains on.
      crops: trainDir, heldOut: heldOutDir, id, out: dir, attribute: request.target, appliesTo: request.appliesTo,
      ...(place.baseManifest ? { manifest: place.baseManifest } : {}),
      ...(deps.threads ? { threads: deps.threads } : {}),
      log: (line) => log({ target: request.target, id }, line),
    });
    // Kept with the version: `compare` measures any two versions of the target on these.
    await writeTree(tree, split.heldOut, path.join(dir, HELD_OUT_DIR), split.splitBy);
    const candidateEntry = (await loadManifest(trained.manifest)).classifiers.find((c) => c.id === id)!;
    const candidate = await measureOn(candidateEntry, heldOut, deps.threads);
    const { live, rival, against, ruleText } = await modelToBeat(place, request.target);
    const current = rival === null ? null : await measureOn(await entryOf(place, rival), heldOut, deps.threads);
    const rule = decidePromotion(candidate, current, against);
    const comparison: Comparison = {
      heldOut: { crops: heldOut.crops.length, sources: new Set(heldOut.crops.map((c) => c.source)).size, splitBy: split.splitBy },
      candidate: { id, ...metricsJson(candidate) },
      current: rival === null || current === null ? null : { id: rival.id, ...metricsJson(current) },
      rule: ruleText,
      ...rule,
    };
    log({ target: request.target, id, live: live?.id ?? null, against: rival?.id ?? null, decision: rule.decision, reasons: rule.reasons, rule: ruleText }, `training: ${rule.decision} ${id}`);

    const raw = JSON.parse(await readFile(trained.manifest, 'utf8')) as { models: Record<string, unknown>[] };
    const entry = raw.models.find((m) => m.id === id)!;
    const at = now();
    await place.db.transaction(async (tx) => {
      await insertVersion(tx, {
        id, kind: 'classifier', target: request.target, parentId: live?.id ?? null,
        dir: path.relative(place.modelsDir, dir), entry,
        training: { ...(entry.training as object), runKey: request.runKey, reviews: tree.crops.length },
        metrics: { heldOut: metricsJson(trained.heldOut) },
        comparison, createdAt: at, createdBy: 'training job',
      });
      if (rule.decision === 'promote') {
        await recordPromotion(tx, id, { name: 'training job', role: 'system' }, at, rule.reasons.join('; '));
        await syncLiveManifest(tx, place);
      }
    });
    return { version: await getVersion(place.db, id), promoted: rule.decision === 'promote' };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** A version's manifest entry, loaded (files resolved) from the manifest in its folder. */
export async function entryOf(place: Pick<VersionsPlace, 'modelsDir'>, v: ModelVersion): Promise<ClassifierEntry> {
  const manifest = await loadManifest(path.join(place.modelsDir, v.dir, 'manifest.json'));
  const entry = manifest.classifiers.find((c) => c.id === v.id);
  if (!entry) throw new Error(`${manifest.path} does not declare ${v.id}`);
  return entry;
}

/**
 * The target's live version, and the model its candidate must beat: that live version, or for a
 * camera's target without one, the type's live version (which judges the camera's sightings now).
 */
async function modelToBeat(place: VersionsPlace, target: string): Promise<{ live: ModelVersion | null; rival: ModelVersion | null; against: string; ruleText: string }> {
  const lives = await liveVersions(place.db);
  const version = async (id: string | null | undefined) => (id == null ? null : getVersion(place.db, id));
  const live = await version(lives.get(target));
  const camera = verdictTargetOf(target)?.camera;
  if (camera === undefined) return { live, rival: live, against: 'live', ruleText: PROMOTION_RULE };
  if (live) return { live, rival: live, against: 'live camera version', ruleText: CAMERA_PROMOTION_RULE };
  const typeWide = await version(lives.get(`verdict_${verdictTargetOf(target)!.type}`));
  return { live, rival: typeWide, against: `the type's live ${typeWide?.id ?? ''}`.trim(), ruleText: CAMERA_PROMOTION_RULE };
}

/**
 * "<target>-<n>" in the trainer's id form (lower case; "@" as "-at-", other characters outside
 * a-z 0-9 . - as "-"), n one past the highest stored id of that form, whatever its target: camera
 * ids that differ only in case or replaced characters get one stem, not the same ids.
 */
async function nextVersionId(place: VersionsPlace, target: string): Promise<string> {
  const stem = target.toLowerCase().replace(/@/g, '-at-').replace(/[^a-z0-9.-]/g, '-');
  const taken = (await listVersions(place.db)).filter((v) => v.id.startsWith(`${stem}-`)).map((v) => Number(v.id.slice(stem.length + 1))).filter(Number.isInteger);
  return `${stem}-${Math.max(0, ...taken) + 1}`;
}

async function writeTree(tree: ImageFolder, crops: readonly Crop[], dir: string, splitBy: ReviewSplit['splitBy']): Promise<string> {
  // Only classes with crops get a folder: an empty class folder is an error to the tree reader.
  for (const c of new Set(crops.map((k) => k.label))) await mkdir(path.join(dir, tree.classes[c]!), { recursive: true });
  for (const c of crops) await copyFile(c.file, path.join(dir, tree.classes[c.label]!, treeName(c, splitBy)));
  // The detector scores travel with their crops: verdict models train and are measured on them.
  const scores = await readDetectorScores(tree.dir);
  if (scores) await writeDetectorScores(dir, scores, crops.map((c) => ({ file: c.file, as: `${tree.classes[c.label]!}/${treeName(c, splitBy)}` })));
  return dir;
}
