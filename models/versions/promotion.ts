// Promotion and rollback: the database says which version of each target is live (who, when,
// why), and the live manifest the workers read is rewritten from it. The manifest is written
// inside the transaction, after the row: if writing it fails the promotion is rolled back, and if
// the commit fails after the write, the next sync (every API and training-worker start) rewrites
// it from what the database holds.
import path from 'node:path';
import type { Db, Queryable } from '../../api/store/db.ts';
import { DEFAULT_MANIFEST } from '../manifest.ts';
import { writeLiveManifest, type LiveEntry } from './live-manifest.ts';
import { checkVersionFiles } from './version-files.ts';
import { getVersion, liveVersions, recordPromotion, recordRollback, VersionConflictError, type Actor, type ModelVersion, type Promotion } from './version-store.ts';

export interface VersionsPlace {
  db: Db;
  /** DATA_DIR/models: the versions' folders and the live manifest. */
  modelsDir: string;
  /** The product manifest the live one is built on (default models/manifest.json). */
  baseManifest?: string;
}

export function versionsDir(modelsDir: string): string {
  return path.join(modelsDir, 'versions');
}

export interface PromoteOptions {
  /** Make live a detector version the promotion rule refused; needs a reason, kept in the audit. */
  overrideRule?: boolean;
}

export async function promoteVersion(place: VersionsPlace, id: string, actor: Actor, at: Date, reason: string | null = null, options: PromoteOptions = {}): Promise<Promotion> {
  return place.db.transaction(async (tx) => {
    const version = await getVersion(tx, id);
    checkRule(version, options, reason);
    await checkVersionFiles(place.modelsDir, version);
    const promotion = await recordPromotion(tx, id, actor, at, options.overrideRule && version.comparison?.decision === 'refuse' ? `overriding the promotion rule: ${reason}` : reason);
    await syncLiveManifest(tx, place);
    return promotion;
  });
}

export async function rollBack(place: VersionsPlace, target: string, actor: Actor, at: Date, reason: string | null = null): Promise<Promotion> {
  return place.db.transaction(async (tx) => {
    const promotion = await recordRollback(tx, target, actor, at, reason);
    if (promotion.versionId !== null) await checkVersionFiles(place.modelsDir, await getVersion(tx, promotion.versionId));
    await syncLiveManifest(tx, place);
    return promotion;
  });
}

// Detectors are promoted by hand (registration only measures them): the rule's refusal stands
// unless an admin overrules it, with a reason. Classifier versions keep their old behaviour: the
// training job applies the rule, and an admin may promote any version (e.g. to roll forward).
function checkRule(v: ModelVersion, options: PromoteOptions, reason: string | null): void {
  // The live version: recordPromotion says it is live already, the clearer answer.
  if (v.kind !== 'detector' || v.comparison?.decision !== 'refuse' || v.live) return;
  if (!options.overrideRule) {
    throw new VersionConflictError(`the promotion rule refused "${v.id}" (${v.comparison.reasons.join('; ')}); to promote it anyway, override the rule and give a reason`);
  }
  if (!reason?.trim()) throw new VersionConflictError(`overriding the promotion rule for "${v.id}" needs a reason, for the audit`);
}

/** Rewrites the live manifest from the live versions the database holds. */
export async function syncLiveManifest(db: Queryable, place: Omit<VersionsPlace, 'db'>): Promise<string> {
  const promoted: LiveEntry[] = [];
  for (const [, id] of await liveVersions(db)) {
    if (id === null) continue;
    const v = await getVersion(db, id);
    promoted.push({ dir: path.resolve(place.modelsDir, v.dir), entry: v.entry });
  }
  return writeLiveManifest(place.modelsDir, promoted, place.baseManifest ?? DEFAULT_MANIFEST);
}
