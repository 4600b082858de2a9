// Lifecycle moves and review decisions (DESIGN.md, "Lifecycle"). Each move checks the current
// status under a row lock and writes its audit entry in the same transaction, so two reviewers
// acting at once cannot both move a case, and no status changes without its entry.
import { ALLOWED_MOVES, MOVE_TARGET, VIOLATION_TYPES, canMove, type CaseMove, type CaseStatus } from '../../contracts/case.ts';
import type { ViolationType } from '../../contracts/types.ts';
import type { Db, Queryable } from '../store/db.ts';
import type { Actor } from './actor.ts';
import { dueAt, isCalendar, type WorkingCalendar } from './deadline.ts';
import { CaseRefusal } from './refusal.ts';
import { assertUnitExists } from './units.ts';

export class CaseNotFoundError extends Error {
  constructor(readonly caseId: number) {
    super(`case ${caseId} does not exist`);
  }
}

/** An invalid move: the API answers 409 with the moves that are allowed. */
export class MoveNotAllowedError extends Error {
  constructor(
    readonly caseId: number,
    readonly status: CaseStatus,
    readonly move: string,
  ) {
    super(`case ${caseId} is ${status}: ${move} is not allowed from there`);
  }
  get allowed(): CaseMove[] {
    return ALLOWED_MOVES[this.status];
  }
}

export interface MoveInput {
  move: CaseMove;
  note?: string;
  /** dispatch: the field unit that gets the case. */
  unit?: string;
  /** reject: why it is not a violation. */
  reason?: string;
}

export interface MoveResult {
  caseId: number;
  from: CaseStatus;
  to: CaseStatus;
  auditId: number;
}

/** Statuses from which a case may be put under another type. */
export const RECLASSIFY_FROM: readonly CaseStatus[] = ['pending_review', 'confirmed', 'reopened'];

export async function moveCase(db: Db, caseId: number, input: MoveInput, actor: Actor, now: Date): Promise<MoveResult & { dueAt: string | null }> {
  // Handling carries after-photos, written with the move in one transaction (api/case/handle.ts).
  if (input.move === 'handle') throw new CaseRefusal(400, 'after_photo_required', `case ${caseId}: handled needs at least one after-photo and a note (POST /v1/cases/${caseId}/handle with photos)`);
  return db.transaction((tx) => moveLocked(tx, caseId, input, actor, now));
}

/** One move inside the caller's transaction (bulk dispatch moves many in one). */
export async function moveLocked(tx: Queryable, caseId: number, input: MoveInput, actor: Actor, now: Date): Promise<MoveResult & { dueAt: string | null }> {
  if (input.move === 'dispatch') {
    if (!input.unit) throw new CaseRefusal(400, 'bad_request', 'dispatch needs a unit');
    await assertUnitExists(tx, input.unit);
  }
  const current = await lockCase(tx, caseId);
  if (!canMove(current.status, input.move)) throw new MoveNotAllowedError(caseId, current.status, input.move);
  const to = MOVE_TARGET[input.move];
  let due: Date | null = null;
  if (input.move === 'dispatch') due = await deadlineFor(tx, current.type, now);
  await tx.query(
    `UPDATE cases SET status = $2, updated_at = $3,
       unit = CASE WHEN $4::text IS NOT NULL THEN $4 ELSE unit END,
       due_at = CASE WHEN $2 = 'dispatched' THEN $5 ELSE due_at END,
       reject_reason = CASE WHEN $2 = 'rejected' THEN $6 ELSE reject_reason END
     WHERE id = $1`,
    [caseId, to, now, input.unit ?? null, due, input.reason ?? null],
  );
  const note = input.move === 'reject' ? input.reason : input.note;
  const details: Record<string, unknown> = {};
  if (input.unit) details.unit = input.unit;
  if (due) details.dueAt = due.toISOString();
  if (input.move === 'reject' && input.note) details.note = input.note;
  const auditId = await appendAudit(tx, caseId, now, actor, input.move, current.status, to, note ?? null, details);
  return { caseId, from: current.status, to, auditId, dueAt: due ? due.toISOString() : null };
}

export async function reclassifyCase(db: Db, caseId: number, type: ViolationType, note: string | undefined, actor: Actor, now: Date): Promise<MoveResult> {
  if (!VIOLATION_TYPES.includes(type)) throw new Error(`unknown type ${type}`);
  return db.transaction(async (tx) => {
    const current = await lockCase(tx, caseId);
    if (!RECLASSIFY_FROM.includes(current.status)) throw new MoveNotAllowedError(caseId, current.status, 'reclassify');
    const [primary] = await tx.query<{ standard: string; code: string }>('SELECT standard, code FROM type_codes WHERE type = $1 AND is_primary', [type]);
    if (!primary) throw new Error(`violation type ${type} has no primary (standard, code)`);
    await tx.query('UPDATE cases SET type = $2, standard = $3, code = $4, updated_at = $5 WHERE id = $1', [caseId, type, primary.standard, primary.code, now]);
    const auditId = await appendAudit(tx, caseId, now, actor, 'reclassify', current.status, current.status, note ?? null, {
      fromType: current.type,
      toType: type,
      standard: primary.standard,
      code: primary.code,
    });
    return { caseId, from: current.status, to: current.status, auditId };
  });
}

export async function lockCase(tx: Queryable, caseId: number): Promise<{ status: CaseStatus; type: string; unit: string | null; sourceKind: string }> {
  const [row] = await tx.query<{ status: CaseStatus; type: string; unit: string | null; source_kind: string }>(
    'SELECT status, type, unit, source_kind FROM cases WHERE id = $1 FOR UPDATE',
    [caseId],
  );
  if (!row) throw new CaseNotFoundError(caseId);
  return { status: row.status, type: row.type, unit: row.unit, sourceKind: row.source_kind };
}

export async function appendAudit(
  tx: Queryable,
  caseId: number,
  at: Date,
  actor: Actor,
  action: string,
  from: CaseStatus,
  to: CaseStatus,
  note: string | null,
  details: Record<string, unknown>,
): Promise<number> {
  const [row] = await tx.query<{ id: number }>(
    `INSERT INTO audit (case_id, at, actor, actor_role, action, from_status, to_status, note, details, actor_key)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
    [caseId, at, actor.name, actor.role, action, from, to, note, JSON.stringify(details), actor.keyId],
  );
  return row!.id;
}

export async function deadlineFor(tx: Queryable, type: string, now: Date): Promise<Date | null> {
  const [limit] = await tx.query<{ handling_limit_minutes: number; working_time: boolean }>(
    'SELECT handling_limit_minutes, working_time FROM case_types WHERE type = $1',
    [type],
  );
  if (!limit) return null;
  const [setting] = await tx.query<{ value: unknown }>("SELECT value FROM settings WHERE name = 'working_calendar'");
  const calendar = setting && isCalendar(setting.value) ? (setting.value as WorkingCalendar) : undefined;
  if (limit.working_time && !calendar) throw new Error('the working_calendar setting is missing or malformed');
  return dueAt(now, limit.handling_limit_minutes, limit.working_time, calendar!);
}
