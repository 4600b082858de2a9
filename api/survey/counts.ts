// How many images a survey has and how many cases it raised (distinct cases over its images'
// reported violations), for the survey list.
import type { Db } from '../store/db.ts';

export interface SurveyCounts {
  images: number;
  analysed: number;
  cases: number;
}

export async function surveyCounts(db: Db, ids: string[]): Promise<Map<string, SurveyCounts>> {
  if (!ids.length) return new Map();
  const rows = await db.query<{ survey_id: number; images: number; analysed: number; cases: number }>(
    `SELECT i.survey_id, count(*)::int AS images, count(*) FILTER (WHERE i.status = 'done')::int AS analysed,
       (SELECT count(DISTINCT v->>'dedupeKey')::int FROM survey_images j, jsonb_array_elements(COALESCE(j.result->'violations', '[]'::jsonb)) v
        WHERE j.survey_id = i.survey_id) AS cases
     FROM survey_images i WHERE i.survey_id = ANY($1::bigint[]) GROUP BY i.survey_id`,
    [ids.map(Number)],
  );
  return new Map(rows.map((r) => [String(r.survey_id), { images: r.images, analysed: r.analysed, cases: r.cases }]));
}

export async function withCounts<T extends { id: string }>(db: Db, surveys: T[]): Promise<Array<T & { counts: SurveyCounts }>> {
  const counts = await surveyCounts(db, surveys.map((s) => s.id));
  return surveys.map((s) => ({ ...s, counts: counts.get(s.id) ?? { images: 0, analysed: 0, cases: 0 } }));
}
