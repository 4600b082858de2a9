// API keys: `cgk_<id>_<secret>`. Only the sha256 of the secret is stored. A plain hash (not a slow
// password hash) is enough because secrets are 32 random bytes, not something a person chose; it
// also keeps the check cheap on every request. The id part finds the row without a scan.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Actor, Role } from '../case/actor.ts';
import type { Db } from '../store/db.ts';

export interface CreatedKey {
  id: string;
  key: string;
  role: Role;
  name: string;
  /** field keys: the unit the key is bound to. */
  unit?: string;
}

const FORMAT = /^cgk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

/** A field key must name its unit and no other key may (the store refuses either mistake too). */
export async function createKey(db: Db, role: Role, name: string, unit?: string): Promise<CreatedKey> {
  if ((role === 'field') !== (unit !== undefined)) throw new Error(role === 'field' ? 'a field key must be bound to a unit' : `a ${role} key is not bound to a unit`);
  const id = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  await db.query('INSERT INTO api_keys (id, secret_sha256, role, name, unit) VALUES ($1, $2, $3, $4, $5)', [id, hashSecret(secret), role, name, unit ?? null]);
  return { id, key: `cgk_${id}_${secret}`, role, name, ...(unit !== undefined ? { unit } : {}) };
}

export async function revokeKey(db: Db, id: string, now: Date): Promise<boolean> {
  const rows = await db.query('UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING id', [id, now]);
  return rows.length > 0;
}

export async function listKeys(db: Db): Promise<Array<{ id: string; role: Role; name: string; unit: string | null; createdAt: string; revokedAt: string | null }>> {
  const rows = await db.query('SELECT id, role, name, unit, created_at, revoked_at FROM api_keys ORDER BY created_at');
  return rows.map((r) => ({
    id: r.id as string,
    role: r.role as Role,
    name: r.name as string,
    unit: (r.unit as string | null) ?? null,
    createdAt: (r.created_at as Date).toISOString(),
    revokedAt: r.revoked_at ? (r.revoked_at as Date).toISOString() : null,
  }));
}

export async function hasAnyKey(db: Db): Promise<boolean> {
  const rows = await db.query('SELECT 1 FROM api_keys LIMIT 1');
  return rows.length > 0;
}

function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/**
 * Checks presented keys against the store, remembering good and bad answers briefly so a busy
 * ingest path does not read api_keys on every request. A revoked key stops working within ttlMs.
 */
export class KeyVerifier {
  private readonly cache = new Map<string, { actor: Actor | null; until: number }>();
  private readonly activeCache = new Map<string, { active: boolean; until: number }>();

  constructor(
    private readonly db: Db,
    private readonly ttlMs = 30_000,
  ) {}

  async verify(presented: string): Promise<Actor | null> {
    const cacheKey = createHash('sha256').update(presented).digest('hex');
    const hit = this.cache.get(cacheKey);
    const now = Date.now();
    if (hit && hit.until > now) return hit.actor;
    const actor = await this.lookup(presented);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(cacheKey, { actor, until: now + this.ttlMs });
    return actor;
  }

  /**
   * Whether a key (by id) is still active, with the same cache lifetime as verify(): for sessions
   * opened with a key (the queue dashboard), which must end when the key is revoked.
   */
  async isActive(keyId: string): Promise<boolean> {
    const cacheKey = `id:${keyId}`;
    const hit = this.activeCache.get(cacheKey);
    const now = Date.now();
    if (hit && hit.until > now) return hit.active;
    const [row] = await this.db.query<{ revoked_at: Date | null }>('SELECT revoked_at FROM api_keys WHERE id = $1', [keyId]);
    const active = !!row && !row.revoked_at;
    if (this.activeCache.size > 10_000) this.activeCache.clear();
    this.activeCache.set(cacheKey, { active, until: now + this.ttlMs });
    return active;
  }

  forget(): void {
    this.cache.clear();
    this.activeCache.clear();
  }

  private async lookup(presented: string): Promise<Actor | null> {
    const m = FORMAT.exec(presented);
    if (!m) return null;
    const [, id, secret] = m as unknown as [string, string, string];
    const [row] = await this.db.query<{ secret_sha256: string; role: Role; name: string; unit: string | null; revoked_at: Date | null }>(
      'SELECT secret_sha256, role, name, unit, revoked_at FROM api_keys WHERE id = $1',
      [id],
    );
    if (!row || row.revoked_at) return null;
    const a = Buffer.from(row.secret_sha256, 'hex');
    const b = Buffer.from(hashSecret(secret), 'hex');
    if (a.length !== b.length || !timingSafeEqual(a, b)) return null;
    return { keyId: id, name: row.name, role: row.role, ...(row.unit ? { unit: row.unit } : {}) };
  }
}
