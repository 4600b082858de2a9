// 核查 by looking again: when a camera case has been handled for a while, the verifier
// (pipeline/verify/) grabs a new frame from the camera that raised it and reports what it saw at the
// case's place. Nothing of the violation's kind there: the case is verified by the system, with the
// frame as evidence. Still there: the case goes back to its unit (dispatched, a new due time) with
// the frame and a note the field team sees. The audit entry is made as `system:verifier`, so the
// timeline says whether a person or the camera verified. A person can still verify by hand.
import type { EvidenceItem } from '../../contracts/case.ts';
import type { Db } from '../store/db.ts';
import { SYSTEM_VERIFIER, type Actor } from './actor.ts';
import { appendAudit, deadlineFor, lockCase, MoveNotAllowedError } from './lifecycle.ts';

export type LookAgainOutcome = 'gone' | 'still_there';

export interface VerificationInput {
  outcome: LookAgainOutcome;
  /** The new frame (and optionally a crop), already in the object store. */
  evidence: EvidenceItem[];
  note?: string;
  /** What the detector saw at the place, for the audit: labels and scores. */
  seen?: Array<{ label: string; score: number }>;
  /** How it looked again (default: the camera); extra facts for the audit entry. */
  method?: 'camera_look_again' | 'survey_look_again';
  about?: Record<string, unknown>;
}

export interface VerificationResult {
  caseId: number;
  from: 'handled';
  to: 'verified' | 'dispatched';
  auditId: number;
  dueAt: string | null;
}

export interface CaseToVerify {
  id: number;
  type: string;
  label: string | null;
  cameraId: string;
  zoneId: string | null;
  /** The latest sighting's box, in the camera's pixels. */
  box: [number, number, number, number];
  handledAt: string;
}

/** Camera cases handled at least `lookAfterMs` ago, oldest first. */
export async function casesToVerify(db: Db, now: Date, lookAfterMs: number, limit = 50): Promise<CaseToVerify[]> {
  const rows = await db.query<{ id: number; type: string; label: string | null; source_id: string; zone_id: string | null; box: number[]; updated_at: Date }>(
    `SELECT c.id, c.type, c.label, c.source_id, c.zone_id, c.updated_at,
       (SELECT o.box FROM observations o WHERE o.case_id = c.id ORDER BY o.observed_at DESC, o.id LIMIT 1) AS box
     FROM cases c WHERE c.status = 'handled' AND c.source_kind = 'camera' AND c.updated_at <= $1
     ORDER BY c.updated_at, c.id LIMIT $2`,
    [new Date(now.getTime() - lookAfterMs), limit],
  );
  return rows
    .filter((r) => Array.isArray(r.box) && r.box.length === 4)
    .map((r) => ({ id: r.id, type: r.type, label: r.label, cameraId: r.source_id, zoneId: r.zone_id, box: r.box as CaseToVerify['box'], handledAt: r.updated_at.toISOString() }));
}

export const STILL_THERE_NOTE = '复查：目标仍在现场，请再次处置 · Looked again: still there, handle it again';
export const GONE_NOTE = '复查：目标已不在现场 · Looked again: gone';

export async function recordVerification(db: Db, caseId: number, input: VerificationInput, reporter: Actor, now: Date): Promise<VerificationResult> {
  const verifier: Actor = { keyId: reporter.keyId, name: SYSTEM_VERIFIER, role: reporter.role };
  return db.transaction(async (tx) => {
    const current = await lockCase(tx, caseId);
    // A person may have verified (or the case been reopened) while the camera looked: theirs stands.
    if (current.status !== 'handled') throw new MoveNotAllowedError(caseId, current.status, 'verify');
    const gone = input.outcome === 'gone';
    const to = gone ? 'verified' : 'dispatched';
    const due = gone ? null : await deadlineFor(tx, current.type, now);
    await tx.query(`UPDATE cases SET status = $2, updated_at = $3, due_at = CASE WHEN $2 = 'dispatched' THEN $4 ELSE due_at END WHERE id = $1`, [caseId, to, now, due]);
    const details: Record<string, unknown> = { method: input.method ?? 'camera_look_again', outcome: input.outcome, reportedBy: reporter.name, seen: input.seen ?? [], ...input.about };
    if (!gone) Object.assign(details, { unit: current.unit, dueAt: due?.toISOString() ?? null });
    const note = input.note ?? (gone ? GONE_NOTE : STILL_THERE_NOTE);
    const auditId = await appendAudit(tx, caseId, now, verifier, gone ? 'verify' : 'still_there', 'handled', to, note, details);
    for (const e of input.evidence) {
      await tx.query(
        `INSERT INTO evidence (case_id, observation_id, audit_id, kind, object_key, sha256, content_type, captured_at, bytes, width, height, box)
         VALUES ($1, NULL, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [caseId, auditId, e.kind === 'crop' ? 'verify_crop' : 'verify_frame', e.key, e.sha256, e.contentType, e.capturedAt, e.bytes, e.width ?? null, e.height ?? null, e.box ? JSON.stringify(e.box) : null],
      );
    }
    return { caseId, from: 'handled', to, auditId, dueAt: due ? due.toISOString() : null };
  });
}
