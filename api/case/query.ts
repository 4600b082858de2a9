// Reading cases: the filtered, paged list (the review queue is this list with status
// pending_review), one case with its evidence and timeline, and counts per status. Paging is by
// keyset (a cursor holding the last row's sort value and id), so page 2000 of 100 000 cases costs
// what page 1 costs.
import type { CaseStatus } from '../../contracts/case.ts';
import type { Db, Row } from '../store/db.ts';
import { CASE_COLUMNS, toCaseRecord, type CaseRecord } from './record.ts';
import { HELD_SQL } from './verdict-hold.ts';

export type CaseSort = 'newest' | 'oldest' | 'score' | 'verdict';

export interface CaseFilter {
  status?: CaseStatus[];
  type?: string[];
  /** Source (camera or survey) id. */
  source?: string;
  sourceKind?: 'camera' | 'survey';
  /** Cases seen within [from, to). */
  from?: Date;
  to?: Date;
  /** [minLon, minLat, maxLon, maxLat]. */
  bbox?: [number, number, number, number];
  overdue?: boolean;
  /** Dispatched to this unit. */
  unit?: string;
  zone?: string;
  /** A case number (#123 or 123) or part of a plate. */
  q?: string;
  /** true: only cases held as likely false alarms (verdict score below their type's hold threshold); false: none of them. */
  held?: boolean;
}

export interface ListOptions extends CaseFilter {
  sort?: CaseSort;
  limit?: number;
  cursor?: string;
  /** Add the latest crop's evidence hash to each row (the review queue's thumbnails). */
  thumbs?: boolean;
}

export interface CasePage {
  items: Array<CaseRecord & { thumbSha256?: string | null }>;
  nextCursor: string | null;
}

export class BadCursorError extends Error {}

// `sql` is what the list orders by; cases without a verdict score sort after every scored one.
const SORTS: Record<CaseSort, { column: string; sql: string; dir: 'ASC' | 'DESC'; numeric: boolean }> = {
  newest: { column: 'last_seen', sql: 'c.last_seen', dir: 'DESC', numeric: false },
  oldest: { column: 'last_seen', sql: 'c.last_seen', dir: 'ASC', numeric: false },
  score: { column: 'score', sql: 'c.score', dir: 'DESC', numeric: true },
  verdict: { column: 'verdict_score', sql: 'COALESCE(c.verdict_score, -1)', dir: 'DESC', numeric: true },
};

export function filterSql(f: CaseFilter, now: Date, params: unknown[]): string[] {
  const where: string[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  // One value as plain equality: the planner then walks the (status, sort) index in order.
  if (f.status?.length) where.push(f.status.length === 1 ? `c.status = ${p(f.status[0])}` : `c.status = ANY(${p(f.status)}::text[])`);
  if (f.type?.length) where.push(f.type.length === 1 ? `c.type = ${p(f.type[0])}` : `c.type = ANY(${p(f.type)}::text[])`);
  if (f.source) where.push(`c.source_id = ${p(f.source)}`);
  if (f.sourceKind) where.push(`c.source_kind = ${p(f.sourceKind)}`);
  if (f.from) where.push(`c.last_seen >= ${p(f.from)}`);
  if (f.to) where.push(`c.first_seen < ${p(f.to)}`);
  if (f.bbox) {
    const [minLon, minLat, maxLon, maxLat] = f.bbox;
    where.push(`c.lon BETWEEN ${p(minLon)} AND ${p(maxLon)} AND c.lat BETWEEN ${p(minLat)} AND ${p(maxLat)}`);
  }
  if (f.overdue === true) where.push(`c.status = 'dispatched' AND c.due_at < ${p(now)}`);
  if (f.overdue === false) where.push(`NOT (c.status = 'dispatched' AND c.due_at IS NOT NULL AND c.due_at < ${p(now)})`);
  if (f.unit) where.push(`c.unit = ${p(f.unit)}`);
  if (f.zone) where.push(`c.zone_id = ${p(f.zone)}`);
  if (f.held === true) where.push(HELD_SQL);
  if (f.held === false) where.push(`NOT ${HELD_SQL}`);
  if (f.q?.trim()) {
    // "#123" is a case number only; bare digits may be a number or part of a plate.
    const numbered = /^#\d{1,15}$/.test(f.q.trim());
    const q = f.q.trim().replace(/^#/, '');
    const plate = () => `c.plate ILIKE ${p(`%${q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`)}`;
    if (numbered) where.push(`c.id = ${p(Number(q))}`);
    else where.push(/^\d{1,15}$/.test(q) ? `(c.id = ${p(Number(q))} OR ${plate()})` : plate());
  }
  return where;
}

export async function listCases(db: Db, opts: ListOptions, now: Date): Promise<CasePage> {
  const sort = SORTS[opts.sort ?? 'newest'];
  const limit = Math.min(Math.max(opts.limit ?? 50, 1), 500);
  const params: unknown[] = [];
  const where = filterSql(opts, now, params);
  if (opts.cursor) {
    const [value, id] = decodeCursor(opts.cursor);
    params.push(sort.numeric ? Number(value) : new Date(value), id);
    const op = sort.dir === 'DESC' ? '<' : '>';
    where.push(`(${sort.sql}, c.id) ${op} ($${params.length - 1}, $${params.length})`);
  }
  params.push(limit + 1);
  const thumb = opts.thumbs
    ? `, (SELECT e.sha256 FROM evidence e WHERE e.case_id = c.id AND e.kind = 'crop' ORDER BY e.id DESC LIMIT 1) AS thumb_sha256`
    : '';
  const rows = await db.query(
    `SELECT ${CASE_COLUMNS}${thumb} FROM cases c LEFT JOIN case_types t ON t.type = c.type
     ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY ${sort.sql} ${sort.dir}, c.id ${sort.dir} LIMIT $${params.length}`,
    params,
  );
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  const items = page.map((r) => {
    const rec: CaseRecord & { thumbSha256?: string | null } = toCaseRecord(r, now);
    if (opts.thumbs) rec.thumbSha256 = (r.thumb_sha256 as string | null) ?? null;
    return rec;
  });
  const last = page[page.length - 1];
  return { items, nextCursor: more && last ? encodeCursor(last, sort.column) : null };
}

function encodeCursor(row: Row, column: string): string {
  const v = row[column] ?? -1; // a case without a verdict score sorts as -1 (SORTS.verdict)
  const value = v instanceof Date ? v.toISOString() : String(v);
  return Buffer.from(JSON.stringify([value, row.id])).toString('base64url');
}

function decodeCursor(cursor: string): [string, number] {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(parsed) && parsed.length === 2 && typeof parsed[0] === 'string' && typeof parsed[1] === 'number') {
      return parsed as [string, number];
    }
  } catch {
    // fall through
  }
  throw new BadCursorError('cursor is not one this API issued');
}

export interface EvidenceRow {
  observationId: string;
  kind: string;
  key: string;
  sha256: string;
  contentType: string;
  capturedAt: string;
  bytes: number;
  width: number | null;
  height: number | null;
  box: number[] | null;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  actorRole: string;
  action: string;
  from: string | null;
  to: string;
  note: string | null;
  details: Record<string, unknown> | null;
}

export interface ObservationRow {
  id: string;
  observedAt: string;
  startedAt: string | null;
  score: number;
  box: number[];
  plate: string | null;
  modelId: string;
  modelSha256: string | null;
  receivedAt: string;
  /** What the worker said of the sighting: the plate's reading, why a vehicle was judged parked (`reason`), … */
  attributes: Record<string, unknown> | null;
}

export interface CaseDetail extends CaseRecord {
  codes: Array<{ standard: string; code: string; primary: boolean }>;
  handlingLimitMinutes: number | null;
  /** Evidence of the first sighting and of the latest one. */
  evidence: EvidenceRow[];
  /** Newest first, at most 50. */
  observations: ObservationRow[];
  /** Oldest first: every transition and review decision. */
  audit: AuditEntry[];
  /** Evidence of lifecycle steps (after-photos, the verifier's frames), oldest first, each with its audit entry. */
  followUp: Array<Omit<EvidenceRow, 'observationId'> & { auditId: number }>;
}

export async function getCase(db: Db, id: number, now: Date): Promise<CaseDetail | null> {
  const [row] = await db.query(
    `SELECT ${CASE_COLUMNS}, t.handling_limit_minutes FROM cases c LEFT JOIN case_types t ON t.type = c.type WHERE c.id = $1`,
    [id],
  );
  if (!row) return null;
  const [codes, observations, audit] = await Promise.all([
    db.query('SELECT standard, code, is_primary FROM type_codes WHERE type = $1 ORDER BY is_primary DESC, standard, code', [row.type]),
    db.query('SELECT * FROM observations WHERE case_id = $1 ORDER BY observed_at DESC, id LIMIT 50', [id]),
    db.query('SELECT * FROM audit WHERE case_id = $1 ORDER BY id', [id]),
  ]);
  const [first] = await db.query<{ id: string }>('SELECT id FROM observations WHERE case_id = $1 ORDER BY observed_at, id LIMIT 1', [id]);
  const wanted = [...new Set([first?.id, observations[0]?.id as string | undefined].filter((x): x is string => !!x))];
  const followUp = await db.query(`SELECT * FROM evidence WHERE case_id = $1 AND audit_id IS NOT NULL ORDER BY audit_id, id`, [id]);
  const evidence = wanted.length
    ? await db.query(
        `SELECT * FROM evidence WHERE case_id = $1 AND observation_id = ANY($2::text[]) ORDER BY captured_at DESC, id`,
        [id, wanted],
      )
    : [];
  return {
    ...toCaseRecord(row, now),
    codes: codes.map((c) => ({ standard: c.standard as string, code: c.code as string, primary: c.is_primary as boolean })),
    handlingLimitMinutes: (row.handling_limit_minutes as number | null) ?? null,
    evidence: evidence.map((e) => ({ observationId: e.observation_id as string, ...evidenceItem(e) })),
    observations: observations.map((o) => ({
      id: o.id as string,
      observedAt: (o.observed_at as Date).toISOString(),
      startedAt: o.started_at ? (o.started_at as Date).toISOString() : null,
      score: o.score as number,
      box: o.box as number[],
      plate: (o.plate as string | null) ?? null,
      modelId: o.model_id as string,
      modelSha256: (o.model_sha256 as string | null) ?? null,
      receivedAt: (o.received_at as Date).toISOString(),
      attributes: (o.attributes as Record<string, unknown> | null) ?? null,
    })),
    audit: audit.map((a) => ({
      id: a.id as number,
      at: (a.at as Date).toISOString(),
      actor: a.actor as string,
      actorRole: a.actor_role as string,
      action: a.action as string,
      from: (a.from_status as string | null) ?? null,
      to: a.to_status as string,
      note: (a.note as string | null) ?? null,
      details: (a.details as Record<string, unknown> | null) ?? null,
    })),
    followUp: followUp.map((e) => ({ auditId: e.audit_id as number, ...evidenceItem(e) })),
  };
}

export async function countByStatus(db: Db): Promise<Record<string, number>> {
  const rows = await db.query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM cases GROUP BY status');
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/** Pending cases waiting in the "likely false alarm" list (below their type's hold threshold). */
export async function countHeld(db: Db): Promise<number> {
  const [row] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM cases c WHERE c.status = 'pending_review' AND ${HELD_SQL}`);
  return row?.n ?? 0;
}

export async function countOverdue(db: Db, now: Date): Promise<number> {
  const [row] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM cases WHERE status = 'dispatched' AND due_at < $1", [now]);
  return row?.n ?? 0;
}

/** Evidence rows with this hash (any case): how the evidence route knows an object is evidence. */
export async function findEvidence(db: Db, sha256: string): Promise<{ caseId: number; key: string; contentType: string } | null> {
  const [row] = await db.query('SELECT case_id, object_key, content_type FROM evidence WHERE sha256 = $1 LIMIT 1', [sha256]);
  return row ? { caseId: row.case_id as number, key: row.object_key as string, contentType: row.content_type as string } : null;
}

/** One stored evidence item as the API shows it: a sighting's evidence and a follow-up's photo alike. */
function evidenceItem(e: Record<string, unknown>) {
  return {
    kind: e.kind as string,
    key: e.object_key as string,
    sha256: e.sha256 as string,
    contentType: e.content_type as string,
    capturedAt: (e.captured_at as Date).toISOString(),
    bytes: e.bytes as number,
    width: (e.width as number | null) ?? null,
    height: (e.height as number | null) ?? null,
    box: (e.box as number[] | null) ?? null,
  };
}
