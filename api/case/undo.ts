// Taking a decision back: a reviewer may undo their own confirm or reject for a few minutes, as
// long as nothing happened to the case since; an admin may send a rejected case back to review at
// any time. Both are audited moves of their own (the original entry stays: the audit is append-only).
import type { CaseStatus } from '../../contracts/case.ts';
import type { Db } from '../store/db.ts';
import type { Actor } from './actor.ts';
import { appendAudit, lockCase, MoveNotAllowedError, type MoveResult } from './lifecycle.ts';
import { CaseRefusal } from './refusal.ts';

export const DEFAULT_UNDO_WINDOW_MS = 5 * 60_000;

export async function undoDecision(db: Db, caseId: number, actor: Actor, now: Date, windowMs = DEFAULT_UNDO_WINDOW_MS): Promise<MoveResult> {
  return db.transaction(async (tx) => {
    const current = await lockCase(tx, caseId);
    const [last] = await tx.query<{ id: number; action: string; actor_key: string | null; at: Date; from_status: CaseStatus | null; to_status: CaseStatus }>(
      'SELECT id, action, actor_key, at, from_status, to_status FROM audit WHERE case_id = $1 ORDER BY id DESC LIMIT 1',
      [caseId],
    );
    if (!last || (last.action !== 'confirm' && last.action !== 'reject') || last.to_status !== current.status || !last.from_status) {
      throw new CaseRefusal(409, 'nothing_to_undo', `case ${caseId} is ${current.status}: its last step is not a confirm or reject that can be undone`);
    }
    if (last.actor_key !== actor.keyId) throw new CaseRefusal(403, 'not_your_decision', `the ${last.action} of case ${caseId} was made with another key; only its maker can undo it`);
    const age = now.getTime() - last.at.getTime();
    if (age > windowMs) {
      throw new CaseRefusal(409, 'undo_window_passed', `the ${last.action} of case ${caseId} was ${Math.round(age / 60_000)} min ago; it can be undone within ${Math.round(windowMs / 60_000)} min`);
    }
    await tx.query('UPDATE cases SET status = $2, updated_at = $3, reject_reason = CASE WHEN $4 THEN NULL ELSE reject_reason END WHERE id = $1', [
      caseId, last.from_status, now, last.action === 'reject',
    ]);
    const auditId = await appendAudit(tx, caseId, now, actor, 'undo', current.status, last.from_status, null, { undoes: last.id, action: last.action });
    return { caseId, from: current.status, to: last.from_status, auditId };
  });
}

/** Admin: a rejected case goes back to the review queue. */
export async function reopenRejected(db: Db, caseId: number, actor: Actor, now: Date, note?: string): Promise<MoveResult> {
  return db.transaction(async (tx) => {
    const current = await lockCase(tx, caseId);
    if (current.status !== 'rejected') throw new MoveNotAllowedError(caseId, current.status, 'reopen_rejected');
    await tx.query(`UPDATE cases SET status = 'pending_review', reject_reason = NULL, updated_at = $2 WHERE id = $1`, [caseId, now]);
    const auditId = await appendAudit(tx, caseId, now, actor, 'reopen_rejected', 'rejected', 'pending_review', note ?? null, {});
    return { caseId, from: 'rejected', to: 'pending_review', auditId };
  });
}
