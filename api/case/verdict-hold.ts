// The per-type hold threshold (issue 14, "Verdict models"): a case whose verdict score is below its
// type's threshold waits in a separate "likely false alarm" list instead of the review queue. Nothing
// is rejected without a person unless an admin turns autoReject on; then the system rejects such a
// case when it is created, and the audit trail says the system did it and why.
import { VIOLATION_TYPES } from '../../contracts/case.ts';
import type { Db, Queryable } from '../store/db.ts';
import { appendAudit } from './lifecycle.ts';
import type { Actor } from './actor.ts';

export interface VerdictHold {
  /** Per violation type: hold cases whose verdict score is below this (0..1). A type not listed holds nothing. */
  thresholds: Record<string, number>;
  /** Off by default: held cases wait for a person. */
  autoReject: boolean;
}

export const SETTING = 'verdict_hold';

/** The actor recorded when the hold threshold rejects a case by itself. */
export const SYSTEM_HOLD: Omit<Actor, 'keyId'> = { name: 'system:verdict-hold', role: 'admin' };

export class BadHoldSettingError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

/** Checks what an admin sends beyond the route schema: every threshold names a known type and is in [0, 1]. */
export function checkHold(hold: VerdictHold): VerdictHold {
  for (const [type, t] of Object.entries(hold.thresholds)) {
    if (!(VIOLATION_TYPES as readonly string[]).includes(type)) {
      throw new BadHoldSettingError(`thresholds.${type}: unknown violation type "${type}" (known: ${VIOLATION_TYPES.join(', ')})`, `thresholds.${type}`);
    }
    if (typeof t !== 'number' || !Number.isFinite(t) || t < 0 || t > 1) {
      throw new BadHoldSettingError(`thresholds.${type}: ${JSON.stringify(t)} is not a verdict score threshold between 0 and 1`, `thresholds.${type}`);
    }
  }
  return { thresholds: { ...hold.thresholds }, autoReject: hold.autoReject === true };
}

export async function readHold(db: Queryable): Promise<VerdictHold> {
  const [row] = await db.query<{ value: Partial<VerdictHold> }>('SELECT value FROM settings WHERE name = $1', [SETTING]);
  return { thresholds: row?.value?.thresholds ?? {}, autoReject: row?.value?.autoReject === true };
}

export async function writeHold(db: Db, hold: VerdictHold, now: Date): Promise<void> {
  await db.query(
    `INSERT INTO settings (name, value, updated_at) VALUES ($1, $2, $3)
     ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at`,
    [SETTING, JSON.stringify(checkHold(hold)), now],
  );
}

/**
 * SQL true when case c is held: it has a verdict score and its type has a threshold above it, else
 * false (never NULL, so NOT works). Read from the setting in the same statement, so a changed
 * threshold moves cases at once.
 */
export const HELD_SQL = `COALESCE(c.verdict_score < (
  SELECT (s.value->'thresholds'->>c.type)::double precision FROM settings s WHERE s.name = '${SETTING}'), false)`;

/**
 * Inside ingest's transaction, right after a case is created: with autoReject on and the case held,
 * the system rejects it. Returns true when it did.
 */
export async function autoRejectIfHeld(tx: Queryable, caseId: number, type: string, score: number | undefined, reporter: Actor, now: Date): Promise<boolean> {
  if (score === undefined) return false;
  const hold = await readHold(tx);
  const threshold = hold.thresholds[type];
  if (!hold.autoReject || threshold === undefined || !(score < threshold)) return false;
  const reason = `likely false alarm: verdict score ${score.toFixed(2)} below the hold threshold ${threshold} (auto-reject on)`;
  await tx.query(`UPDATE cases SET status = 'rejected', reject_reason = $2, updated_at = $3 WHERE id = $1`, [caseId, reason, now]);
  await appendAudit(tx, caseId, now, { ...SYSTEM_HOLD, keyId: reporter.keyId }, 'reject', 'pending_review', 'rejected', reason, {
    verdictScore: score,
    threshold,
    by: 'system',
  });
  return true;
}
