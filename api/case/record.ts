// A case row as the API shows it. One mapping used by the list, the detail, the export and the
// reviewer page, so a field means the same thing everywhere.
import { ALLOWED_MOVES, type CaseStatus } from '../../contracts/case.ts';
import type { Row } from '../store/db.ts';
import { HELD_SQL } from './verdict-hold.ts';

/** Columns every case read selects (c = cases, t = case_types). */
export const CASE_COLUMNS = `c.id, c.dedupe_key, c.type, t.name_zh, c.standard, c.code, c.status, c.source_kind, c.source_id,
  c.source_name, c.zone_id, c.lat, c.lon, c.accuracy_m, c.first_seen, c.last_seen, c.score, c.label, c.plate,
  c.observation_count, c.model_id, c.model_sha256, c.unit, c.due_at, c.reject_reason, c.created_at, c.updated_at,
  c.verdict_score, c.verdict_model_id, ${HELD_SQL} AS held,
  (SELECT jsonb_object_agg(l.attribute, l.value) FROM case_labels l WHERE l.case_id = c.id) AS attribute_labels`;

export interface CaseRecord {
  id: number;
  dedupeKey: string;
  type: string;
  typeName: string | null;
  standard: string;
  code: string;
  status: CaseStatus;
  source: { kind: string; id: string; name: string | null };
  zoneId: string | null;
  location: { lat: number; lon: number; accuracyM: number | null } | null;
  firstSeen: string;
  lastSeen: string;
  score: number;
  label: string | null;
  plate: string | null;
  observationCount: number;
  model: { id: string | null; sha256: string | null };
  unit: string | null;
  dueAt: string | null;
  /** Dispatched and past its handling limit. */
  overdue: boolean;
  rejectReason: string | null;
  createdAt: string;
  updatedAt: string;
  allowedMoves: string[];
  /**
   * "Would a reviewer confirm this?" (a verdict classifier's probability of confirmed, from the
   * latest sighting that had one); held: below its type's hold threshold ("likely false alarm").
   */
  verdict: { score: number; modelId: string | null; held: boolean } | null;
  /** Attribute labels reviewers gave the case's object, e.g. { cover: 'uncovered' }. */
  labels: Record<string, string>;
}

const iso = (v: unknown): string | null => (v == null ? null : (v as Date).toISOString());

export function toCaseRecord(r: Row, now: Date): CaseRecord {
  const status = r.status as CaseStatus;
  const dueAt = r.due_at as Date | null;
  return {
    id: r.id as number,
    dedupeKey: r.dedupe_key as string,
    type: r.type as string,
    typeName: (r.name_zh as string | null) ?? null,
    standard: r.standard as string,
    code: r.code as string,
    status,
    source: { kind: r.source_kind as string, id: r.source_id as string, name: (r.source_name as string | null) ?? null },
    zoneId: (r.zone_id as string | null) ?? null,
    location: r.lat == null ? null : { lat: r.lat as number, lon: r.lon as number, accuracyM: (r.accuracy_m as number | null) ?? null },
    firstSeen: iso(r.first_seen)!,
    lastSeen: iso(r.last_seen)!,
    score: r.score as number,
    label: (r.label as string | null) ?? null,
    plate: (r.plate as string | null) ?? null,
    observationCount: r.observation_count as number,
    model: { id: (r.model_id as string | null) ?? null, sha256: (r.model_sha256 as string | null) ?? null },
    unit: (r.unit as string | null) ?? null,
    dueAt: iso(dueAt),
    overdue: isOverdue(status, dueAt, now),
    rejectReason: (r.reject_reason as string | null) ?? null,
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at)!,
    allowedMoves: ALLOWED_MOVES[status] ?? [],
    verdict:
      r.verdict_score == null
        ? null
        : { score: r.verdict_score as number, modelId: (r.verdict_model_id as string | null) ?? null, held: r.held === true },
    labels: (r.attribute_labels as Record<string, string> | null) ?? {},
  };
}

export function isOverdue(status: CaseStatus, dueAt: Date | null, now: Date): boolean {
  return status === 'dispatched' && dueAt != null && dueAt.getTime() < now.getTime();
}
