// The assessment's figures, counted by the database from cases and their audit trail.
//
// A unit's work is counted per dispatch (派遣): each `dispatch` audit entry in the window is one job
// for the unit named in it. Its handling is the first move to `handled` after it (before the case's
// next dispatch); the job was reopened when, after that, the case went back to `reopened` or
// `dispatched` from handled, verified or closed (a new sighting, a failed 核查), again before the
// next dispatch. Overdue: handled after its due time, or not handled and past it at report time.
//
// Cases for type, zone and source are counted by when they were first seen (发现) in the window,
// with what has happened to them since: reviewed, rejected as false (驳回), dispatched, handled.
import type { Db } from '../store/db.ts';

/** Per group, and the whole window (GROUPING SETS' empty set, where the key is null). */
export interface Grouped<T> {
  rows: T[];
  total: T;
}

function split<T extends { key: string }>(all: Array<T & { isTotal: boolean }>, empty: T): Grouped<T> {
  const strip = ({ isTotal: _, ...rest }: T & { isTotal: boolean }) => rest as unknown as T;
  const total = all.find((r) => r.isTotal);
  return { rows: all.filter((r) => !r.isTotal).map(strip), total: total ? strip(total) : empty };
}

export type CaseGroup = 'type' | 'zone' | 'source';

export interface UnitFigures {
  /** The unit's id as dispatched to; name from the units list (null for a unit no longer listed). */
  key: string;
  name: string | null;
  dispatched: number;
  handled: number;
  handledOnTime: number;
  overdue: number;
  open: number;
  avgHandlingMinutes: number | null;
  p90HandlingMinutes: number | null;
  reopened: number;
}

export interface CaseFigures {
  key: string;
  label: string | null;
  found: number;
  pending: number;
  reviewed: number;
  rejected: number;
  dispatched: number;
  handled: number;
  overdue: number;
}

export interface WeekCount {
  key: string;
  week: string;
  count: number;
}

/** One row per dispatch in the window, with its handling and any reopening of it. */
const DISPATCH_JOBS = `
  SELECT d.case_id, d.at AS dispatched_at, COALESCE(NULLIF(d.details->>'unit', ''), c.unit, '') AS unit,
         (d.details->>'dueAt')::timestamptz AS due_at, h.at AS handled_at, r.at AS reopened_at,
         (EXTRACT(EPOCH FROM (h.at - d.at)) / 60)::float8 AS minutes
  FROM audit d
  JOIN cases c ON c.id = d.case_id
  LEFT JOIN LATERAL (
    SELECT min(n.id) AS id FROM audit n WHERE n.case_id = d.case_id AND n.action = 'dispatch' AND n.id > d.id
  ) nd ON true
  LEFT JOIN LATERAL (
    SELECT a.id, a.at FROM audit a
    WHERE a.case_id = d.case_id AND a.to_status = 'handled' AND a.id > d.id AND (nd.id IS NULL OR a.id < nd.id)
    ORDER BY a.id LIMIT 1
  ) h ON true
  LEFT JOIN LATERAL (
    SELECT a.at FROM audit a
    WHERE a.case_id = d.case_id AND h.id IS NOT NULL AND a.id > h.id AND (nd.id IS NULL OR a.id < nd.id)
      AND a.from_status IN ('handled', 'verified', 'closed') AND a.to_status IN ('reopened', 'dispatched')
    ORDER BY a.id LIMIT 1
  ) r ON true
  WHERE d.action = 'dispatch' AND d.at >= $1 AND d.at < $2`;

export async function unitFigures(db: Db, from: Date, to: Date, now: Date): Promise<Grouped<UnitFigures>> {
  const rows = await db.query(
    `WITH jobs AS (${DISPATCH_JOBS})
     SELECT unit, max(un.name) AS name,
       count(*)::int AS dispatched,
       count(handled_at)::int AS handled,
       count(*) FILTER (WHERE handled_at IS NOT NULL AND (due_at IS NULL OR handled_at <= due_at))::int AS on_time,
       count(*) FILTER (WHERE due_at IS NOT NULL AND COALESCE(handled_at, $3) > due_at)::int AS overdue,
       count(*) FILTER (WHERE handled_at IS NULL AND (due_at IS NULL OR due_at >= $3))::int AS open,
       avg(minutes)::float8 AS avg_minutes,
       (percentile_disc(0.9) WITHIN GROUP (ORDER BY minutes))::float8 AS p90_minutes,
       count(reopened_at)::int AS reopened
     FROM jobs LEFT JOIN units un ON un.id = jobs.unit
     GROUP BY GROUPING SETS ((unit), ()) ORDER BY unit NULLS LAST`,
    [from, to, now],
  );
  const all = rows.map((r) => ({
    isTotal: r.unit === null,
    key: (r.unit as string | null) ?? '',
    name: (r.name as string | null) ?? null,
    dispatched: r.dispatched as number,
    handled: r.handled as number,
    handledOnTime: r.on_time as number,
    overdue: r.overdue as number,
    open: r.open as number,
    avgHandlingMinutes: (r.avg_minutes as number | null) ?? null,
    p90HandlingMinutes: (r.p90_minutes as number | null) ?? null,
    reopened: r.reopened as number,
  }));
  const none = { key: '', name: null, dispatched: 0, handled: 0, handledOnTime: 0, overdue: 0, open: 0, avgHandlingMinutes: null, p90HandlingMinutes: null, reopened: 0 };
  return split<UnitFigures>(all, none);
}

export async function unitWeeks(db: Db, from: Date, to: Date, timeZone: string): Promise<WeekCount[]> {
  const rows = await db.query(
    `WITH jobs AS (${DISPATCH_JOBS})
     SELECT unit, to_char(date_trunc('week', dispatched_at AT TIME ZONE $3), 'YYYY-MM-DD') AS week, count(*)::int AS n
     FROM jobs GROUP BY 1, 2`,
    [from, to, timeZone],
  );
  return rows.map((r) => ({ key: r.unit as string, week: r.week as string, count: r.n as number }));
}

const GROUP_KEY: Record<CaseGroup, string> = {
  type: 'c.type',
  zone: "COALESCE(c.zone_id, '')",
  source: 'c.source_kind',
};

/** What each found case has been through, from its audit trail. */
const FOUND_CASES = (group: CaseGroup) => `
  SELECT c.id, ${GROUP_KEY[group]} AS key, c.status, c.due_at, c.first_seen,
    ${group === 'type' ? 't.name_zh' : 'NULL::text'} AS label,
    -- A decision taken back (undo) leaves the case pending again: not reviewed.
    c.status <> 'pending_review' AND EXISTS (SELECT 1 FROM audit a WHERE a.case_id = c.id AND a.action IN ('confirm', 'reject')) AS reviewed,
    EXISTS (SELECT 1 FROM audit a WHERE a.case_id = c.id AND a.action = 'dispatch') AS dispatched,
    EXISTS (SELECT 1 FROM audit a WHERE a.case_id = c.id AND a.to_status = 'handled') AS handled
  FROM cases c LEFT JOIN case_types t ON t.type = c.type
  WHERE c.first_seen >= $1 AND c.first_seen < $2`;

export async function caseFigures(db: Db, group: CaseGroup, from: Date, to: Date, now: Date): Promise<Grouped<CaseFigures>> {
  const rows = await db.query(
    `WITH found AS (${FOUND_CASES(group)})
     SELECT key, max(label) AS label,
       count(*)::int AS found,
       count(*) FILTER (WHERE status = 'pending_review')::int AS pending,
       count(*) FILTER (WHERE reviewed)::int AS reviewed,
       count(*) FILTER (WHERE status = 'rejected')::int AS rejected,
       count(*) FILTER (WHERE dispatched)::int AS dispatched,
       count(*) FILTER (WHERE handled)::int AS handled,
       count(*) FILTER (WHERE status = 'dispatched' AND due_at < $3)::int AS overdue
     FROM found GROUP BY GROUPING SETS ((key), ()) ORDER BY key NULLS LAST`,
    [from, to, now],
  );
  const all = rows.map((r) => ({
    isTotal: r.key === null,
    key: (r.key as string | null) ?? '',
    label: (r.label as string | null) ?? null,
    found: r.found as number,
    pending: r.pending as number,
    reviewed: r.reviewed as number,
    rejected: r.rejected as number,
    dispatched: r.dispatched as number,
    handled: r.handled as number,
    overdue: r.overdue as number,
  }));
  return split<CaseFigures>(all, { key: '', label: null, found: 0, pending: 0, reviewed: 0, rejected: 0, dispatched: 0, handled: 0, overdue: 0 });
}

export async function caseWeeks(db: Db, group: CaseGroup, from: Date, to: Date, timeZone: string): Promise<WeekCount[]> {
  const rows = await db.query(
    `SELECT ${GROUP_KEY[group]} AS key, to_char(date_trunc('week', c.first_seen AT TIME ZONE $3), 'YYYY-MM-DD') AS week, count(*)::int AS n
     FROM cases c WHERE c.first_seen >= $1 AND c.first_seen < $2 GROUP BY 1, 2`,
    [from, to, timeZone],
  );
  return rows.map((r) => ({ key: r.key as string, week: r.week as string, count: r.n as number }));
}
