// 处置: the unit reports a dispatched case handled. A note and at least one after-photo (uploaded
// before, api/case/after-photos.ts) are required, and the move, its audit entry and the photos'
// evidence rows are one transaction: a handled case always has its photos, and a refused handle
// leaves nothing behind.
import { canMove } from '../../contracts/case.ts';
import type { Db } from '../store/db.ts';
import type { Actor } from './actor.ts';
import { appendAudit, lockCase, MoveNotAllowedError, type MoveResult } from './lifecycle.ts';
import { CaseRefusal } from './refusal.ts';
import { assertCaseInScope } from './scope.ts';

export interface HandleInput {
  note: string;
  /** sha256 of after-photos uploaded for this case. */
  photos: string[];
}

export async function handleCase(db: Db, caseId: number, input: HandleInput, actor: Actor, now: Date): Promise<MoveResult> {
  const note = input.note.trim();
  if (!note) throw new CaseRefusal(400, 'note_required', 'handled needs a note saying what was done');
  const photos = [...new Set(input.photos)];
  if (photos.length === 0) throw new CaseRefusal(400, 'after_photo_required', 'handled needs at least one after-photo');
  return db.transaction(async (tx) => {
    const current = await lockCase(tx, caseId);
    assertCaseInScope(actor, caseId, current.unit);
    if (!canMove(current.status, 'handle')) throw new MoveNotAllowedError(caseId, current.status, 'handle');
    const uploaded = await tx.query<{ sha256: string; content_type: string; bytes: number; width: number; height: number; uploaded_at: Date }>(
      'SELECT sha256, content_type, bytes, width, height, uploaded_at FROM after_photos WHERE case_id = $1 AND sha256 = ANY($2::text[])',
      [caseId, photos],
    );
    const missing = photos.filter((p) => !uploaded.some((u) => u.sha256 === p));
    if (missing.length) throw new CaseRefusal(422, 'photo_not_uploaded', `after-photo ${missing[0]} was not uploaded for case ${caseId} (POST /v1/cases/${caseId}/after-photos first)`);
    const used = await tx.query<{ sha256: string; at: Date }>(
      `SELECT e.sha256, a.at FROM evidence e JOIN audit a ON a.id = e.audit_id WHERE e.case_id = $1 AND e.kind = 'after_photo' AND e.sha256 = ANY($2::text[])`,
      [caseId, photos],
    );
    if (used[0]) {
      throw new CaseRefusal(409, 'photo_already_used', `after-photo ${used[0].sha256} already shows an earlier handling of case ${caseId} (${used[0].at.toISOString()}); take a new photo`);
    }
    await tx.query(`UPDATE cases SET status = 'handled', updated_at = $2 WHERE id = $1`, [caseId, now]);
    const auditId = await appendAudit(tx, caseId, now, actor, 'handle', current.status, 'handled', note, { unit: current.unit, photos });
    for (const u of uploaded) {
      await tx.query(
        `INSERT INTO evidence (case_id, observation_id, audit_id, kind, object_key, sha256, content_type, captured_at, bytes, width, height)
         VALUES ($1, NULL, $2, 'after_photo', $3, $3, $4, $5, $6, $7, $8)`,
        [caseId, auditId, u.sha256, u.content_type, u.uploaded_at, u.bytes, u.width, u.height],
      );
    }
    return { caseId, from: current.status, to: 'handled', auditId };
  });
}
