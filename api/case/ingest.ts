// Case ingest: one observation in, a case created or merged (DESIGN.md, "Case ingest"). The API is
// the single writer, and this is the only place that creates cases. Idempotent per observation:
// the observation id is the primary key of its row, so a retried or concurrent post of the same
// sighting finds it and changes nothing. The dedupe key is unique on cases, so two first sightings
// posted at once still make one case (the second insert waits for the first, then merges).
import { REOPEN_ON_SIGHTING, type CaseIngestResult, type CaseObservation, type CaseStatus } from '../../contracts/case.ts';
import type { Db, Queryable } from '../store/db.ts';
import type { Actor } from './actor.ts';
import { autoRejectIfHeld } from './verdict-hold.ts';

export class UnknownTypeError extends Error {}

export async function ingestObservation(db: Db, obs: CaseObservation, actor: Actor, now: Date): Promise<CaseIngestResult> {
  return db.transaction(async (tx) => {
    const seen = await tx.query<{ id: number; status: CaseStatus }>(
      'SELECT c.id, c.status FROM observations o JOIN cases c ON c.id = o.case_id WHERE o.id = $1',
      [obs.observationId],
    );
    if (seen[0]) return { caseId: seen[0].id, status: seen[0].status, result: 'duplicate' };

    const primary = await tx.query<{ standard: string; code: string }>(
      'SELECT standard, code FROM type_codes WHERE type = $1 AND is_primary',
      [obs.type],
    );
    if (!primary[0]) throw new UnknownTypeError(`violation type ${obs.type} has no primary (standard, code) in the case type table`);

    const observedAt = new Date(obs.observedAt);
    const firstSeen = obs.startedAt && new Date(obs.startedAt) < observedAt ? new Date(obs.startedAt) : observedAt;
    const inserted = await tx.query<{ id: number }>(
      `INSERT INTO cases (dedupe_key, type, standard, code, status, source_kind, source_id, source_name, zone_id,
         lat, lon, accuracy_m, first_seen, last_seen, score, label, plate, model_id, model_sha256, created_at, updated_at,
         verdict_score, verdict_model_id)
       VALUES ($1, $2, $3, $4, 'pending_review', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19, $20, $21)
       ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`,
      [
        obs.dedupeKey, obs.type, primary[0].standard, primary[0].code, obs.source.kind, obs.source.id, obs.source.name ?? null,
        obs.zoneId ?? null, obs.location?.lat ?? null, obs.location?.lon ?? null, obs.location?.accuracyM ?? null,
        firstSeen, observedAt, obs.score, obs.label ?? null, obs.plate ?? null, obs.model.id, obs.model.sha256 ?? null, now,
        obs.verdict?.score ?? null, obs.verdict?.modelId ?? null,
      ],
    );
    if (inserted[0]) {
      const caseId = inserted[0].id;
      await insertObservation(tx, caseId, obs, actor, now);
      await tx.query(
        `INSERT INTO audit (case_id, at, actor, actor_role, action, from_status, to_status, note, details)
         VALUES ($1, $2, $3, $4, 'created', NULL, 'pending_review', NULL, $5)`,
        [caseId, now, actor.name, actor.role, JSON.stringify({ observationId: obs.observationId, source: obs.source.id })],
      );
      if (await autoRejectIfHeld(tx, caseId, obs.type, obs.verdict?.score, actor, now)) return { caseId, status: 'rejected', result: 'created' };
      return { caseId, status: 'pending_review', result: 'created' };
    }

    // A known case: lock it so concurrent sightings of it apply one after the other.
    const [current] = await tx.query<{ id: number; status: CaseStatus }>(
      'SELECT id, status FROM cases WHERE dedupe_key = $1 FOR UPDATE',
      [obs.dedupeKey],
    );
    if (!current) throw new Error(`case with dedupe key ${obs.dedupeKey} vanished during ingest`);
    if (!(await insertObservation(tx, current.id, obs, actor, now))) {
      return { caseId: current.id, status: current.status, result: 'duplicate' };
    }
    const reopen = REOPEN_ON_SIGHTING.includes(current.status);
    const status: CaseStatus = reopen ? 'reopened' : current.status;
    await tx.query(
      `UPDATE cases SET
         first_seen = LEAST(first_seen, $2), last_seen = GREATEST(last_seen, $3), score = GREATEST(score, $4),
         observation_count = observation_count + 1,
         -- A plate read on any sighting stays: a later "unreadable: …" only fills an empty field.
         plate = CASE WHEN $5::text IS NULL THEN plate
                      WHEN $5::text LIKE 'unreadable%' AND plate IS NOT NULL AND plate NOT LIKE 'unreadable%' THEN plate
                      ELSE $5::text END,
         lat = COALESCE(lat, $6), lon = COALESCE(lon, $7), accuracy_m = COALESCE(accuracy_m, $8),
         status = $9, due_at = CASE WHEN $10 THEN NULL ELSE due_at END, updated_at = $11,
         -- The verdict of the latest sighting that had one (a newer verdict model may have scored it).
         verdict_score = CASE WHEN $12::double precision IS NULL OR (verdict_score IS NOT NULL AND $3 < last_seen) THEN verdict_score ELSE $12 END,
         verdict_model_id = CASE WHEN $12::double precision IS NULL OR (verdict_score IS NOT NULL AND $3 < last_seen) THEN verdict_model_id ELSE $13::text END
       WHERE id = $1`,
      [
        current.id, firstSeen, observedAt, obs.score, obs.plate ?? null, obs.location?.lat ?? null, obs.location?.lon ?? null,
        obs.location?.accuracyM ?? null, status, reopen, now, obs.verdict?.score ?? null, obs.verdict?.modelId ?? null,
      ],
    );
    if (reopen) {
      await tx.query(
        `INSERT INTO audit (case_id, at, actor, actor_role, action, from_status, to_status, note, details)
         VALUES ($1, $2, $3, $4, 'reopen', $5, 'reopened', $6, $7)`,
        [
          current.id, now, actor.name, actor.role, current.status, `seen again at ${obs.observedAt}`,
          JSON.stringify({ observationId: obs.observationId, source: obs.source.id }),
        ],
      );
    }
    return { caseId: current.id, status, result: reopen ? 'reopened' : 'merged' };
  });
}

/** False when this observation is already recorded (a concurrent post of it won). */
async function insertObservation(tx: Queryable, caseId: number, obs: CaseObservation, actor: Actor, now: Date): Promise<boolean> {
  const rows = await tx.query(
    `INSERT INTO observations (id, case_id, observed_at, started_at, score, box, zone_id, lat, lon, accuracy_m, label, plate,
       attributes, model_id, model_sha256, received_at, received_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
     ON CONFLICT (id) DO NOTHING RETURNING id`,
    [
      obs.observationId, caseId, obs.observedAt, obs.startedAt ?? null, obs.score, JSON.stringify(obs.box), obs.zoneId ?? null,
      obs.location?.lat ?? null, obs.location?.lon ?? null, obs.location?.accuracyM ?? null, obs.label ?? null, obs.plate ?? null,
      obs.attributes ? JSON.stringify(obs.attributes) : null, obs.model.id, obs.model.sha256 ?? null, now, actor.name,
    ],
  );
  if (rows.length === 0) return false;
  for (const e of obs.evidence) {
    await tx.query(
      `INSERT INTO evidence (case_id, observation_id, kind, object_key, sha256, content_type, captured_at, bytes, width, height, box)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [caseId, obs.observationId, e.kind, e.key, e.sha256, e.contentType, e.capturedAt, e.bytes, e.width ?? null, e.height ?? null, e.box ? JSON.stringify(e.box) : null],
    );
  }
  return true;
}
