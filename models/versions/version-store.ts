// Model versions in the API's database (api/migrations/0030_model_versions.sql): the metadata of
// every trained model and the promotions log. Why the database and not files beside the weights:
// a promotion, its audit row and the version's promoted_by change together in one transaction, the
// API already serves reviews from it, and PGlite makes it the same on one machine as on PostgreSQL.
// The weights themselves are files under DATA_DIR/models/versions/<id>/ (version-files.ts).
import type { Db, Queryable } from '../../api/store/db.ts';

export interface ModelVersion {
  id: string;
  kind: string;
  /** The attribute it sets ("cover", "verdict_illegal_parking"): one version per target is live. */
  target: string;
  parentId: string | null;
  /** Its folder, relative to the models folder (DATA_DIR/models). */
  dir: string;
  /** Its manifest entry, files relative to dir. */
  entry: Record<string, unknown>;
  training: Record<string, unknown>;
  metrics: Record<string, unknown>;
  comparison: Comparison | null;
  createdAt: string;
  createdBy: string;
  promotedAt: string | null;
  promotedBy: string | null;
  live: boolean;
}

/** New vs current on the same held-out reviews, the rule applied and what it decided. */
export interface Comparison {
  /**
   * Classifiers: held-out crops, their sources, and whether whole cameras or cases were held out
   * (absent on versions trained before the case split); detectors: held-out images and their boxes.
   */
  heldOut: { crops: number; sources: number; splitBy?: 'source' | 'case' } | { images: number; objects: number; tiled: boolean };
  candidate: Record<string, unknown>;
  current: Record<string, unknown> | null;
  rule: string;
  decision: 'promote' | 'refuse';
  reasons: string[];
}

export interface Promotion {
  id: number;
  target: string;
  versionId: string | null;
  previousId: string | null;
  action: 'promote' | 'rollback';
  at: string;
  actor: string;
  actorRole: string;
  reason: string | null;
}

export interface Actor {
  name: string;
  role: string;
}

export class VersionNotFoundError extends Error {
  override name = 'VersionNotFoundError';
}
export class VersionConflictError extends Error {
  override name = 'VersionConflictError';
}

type Row = Record<string, unknown>;

const iso = (v: unknown): string | null => (v === null || v === undefined ? null : new Date(v as string).toISOString());
const json = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

function versionOf(r: Row, liveIds: ReadonlySet<string>): ModelVersion {
  return {
    id: r.id as string,
    kind: r.kind as string,
    target: r.target as string,
    parentId: (r.parent_id as string | null) ?? null,
    dir: r.dir as string,
    entry: json(r.entry),
    training: json(r.training),
    metrics: json(r.metrics),
    comparison: r.comparison === null ? null : json(r.comparison),
    createdAt: iso(r.created_at)!,
    createdBy: r.created_by as string,
    promotedAt: iso(r.promoted_at),
    promotedBy: (r.promoted_by as string | null) ?? null,
    live: liveIds.has(r.id as string),
  };
}

function promotionOf(r: Row): Promotion {
  return {
    id: Number(r.id),
    target: r.target as string,
    versionId: (r.version_id as string | null) ?? null,
    previousId: (r.previous_id as string | null) ?? null,
    action: r.action as Promotion['action'],
    at: iso(r.at)!,
    actor: r.actor as string,
    actorRole: r.actor_role as string,
    reason: (r.reason as string | null) ?? null,
  };
}

/** A version as it is stored: what it is and where it came from; promotion is recorded later. */
export type NewVersion = Omit<ModelVersion, 'createdAt' | 'promotedAt' | 'promotedBy' | 'live'> & { createdAt: Date };

export async function insertVersion(db: Queryable, v: NewVersion): Promise<void> {
  const taken = await db.query('SELECT 1 FROM model_versions WHERE id = $1', [v.id]);
  if (taken.length > 0) throw new VersionConflictError(`model version "${v.id}" exists already`);
  await db.query(
    `INSERT INTO model_versions (id, kind, target, parent_id, dir, entry, training, metrics, comparison, created_at, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [v.id, v.kind, v.target, v.parentId, v.dir, JSON.stringify(v.entry), JSON.stringify(v.training), JSON.stringify(v.metrics),
      v.comparison === null ? null : JSON.stringify(v.comparison), v.createdAt, v.createdBy],
  );
}

/** The live version id of each target (the newest promotion row's version). */
export async function liveVersions(db: Queryable): Promise<Map<string, string | null>> {
  const rows = await db.query(
    `SELECT DISTINCT ON (target) target, version_id FROM model_promotions ORDER BY target, id DESC`,
  );
  return new Map(rows.map((r) => [r.target as string, (r.version_id as string | null) ?? null]));
}

export async function listVersions(db: Queryable, filter: { target?: string } = {}): Promise<ModelVersion[]> {
  const live = new Set([...(await liveVersions(db)).values()].filter((v): v is string => v !== null));
  const rows = filter.target === undefined
    ? await db.query('SELECT * FROM model_versions ORDER BY target, created_at DESC, id DESC')
    : await db.query('SELECT * FROM model_versions WHERE target = $1 ORDER BY created_at DESC, id DESC', [filter.target]);
  return rows.map((r) => versionOf(r, live));
}

export async function getVersion(db: Queryable, id: string): Promise<ModelVersion> {
  const rows = await db.query('SELECT * FROM model_versions WHERE id = $1', [id]);
  if (rows.length === 0) throw new VersionNotFoundError(`no model version "${id}"`);
  const live = (await liveVersions(db)).get(rows[0]!.target as string);
  return versionOf(rows[0]!, new Set(live ? [live] : []));
}

export async function promotionsOf(db: Queryable, target: string): Promise<Promotion[]> {
  return (await db.query('SELECT * FROM model_promotions WHERE target = $1 ORDER BY id DESC', [target])).map(promotionOf);
}

/**
 * Makes `id` the live version of its target, in the caller's transaction. Promoting the live
 * version again is a conflict: nothing would change, and the audit would say something happened.
 */
export async function recordPromotion(tx: Queryable, id: string, actor: Actor, at: Date, reason: string | null): Promise<Promotion> {
  const version = await getVersion(tx, id);
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`model-target:${version.target}`]);
  const current = (await liveVersions(tx)).get(version.target) ?? null;
  if (current === id) throw new VersionConflictError(`model version "${id}" is already the live ${version.target} model`);
  await tx.query('UPDATE model_versions SET promoted_at = $2, promoted_by = $3 WHERE id = $1', [id, at, actor.name]);
  const rows = await tx.query(
    `INSERT INTO model_promotions (target, version_id, previous_id, action, at, actor, actor_role, reason)
     VALUES ($1, $2, $3, 'promote', $4, $5, $6, $7) RETURNING *`,
    [version.target, id, current, at, actor.name, actor.role, reason],
  );
  return promotionOf(rows[0]!);
}

/**
 * Restores the version that was live before the current one of `target` (none, when the current
 * one was the first promoted: the target then has no model, as before it was trained).
 */
export async function recordRollback(tx: Queryable, target: string, actor: Actor, at: Date, reason: string | null): Promise<Promotion> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`model-target:${target}`]);
  const log = await promotionsOf(tx, target);
  const head = log[0];
  if (!head || head.versionId === null) throw new VersionConflictError(`no live ${target} model to roll back`);
  const restored = head.previousId;
  // The version before the restored one: from the row that last made it live, so rolling back
  // twice walks further back rather than swapping two versions.
  const before = restored === null ? null : (log.find((p) => p.id < head.id && p.versionId === restored)?.previousId ?? null);
  const rows = await tx.query(
    `INSERT INTO model_promotions (target, version_id, previous_id, action, at, actor, actor_role, reason)
     VALUES ($1, $2, $3, 'rollback', $4, $5, $6, $7) RETURNING *`,
    [target, restored, before, at, actor.name, actor.role, reason],
  );
  return promotionOf(rows[0]!);
}

export type { Db };
