// When a verdict model is due: after N new reviews (confirm or reject) of a violation type since
// its last version was trained, a training run of `verdict_<type>` is queued. N is the setting
// TRAINING_AFTER_REVIEWS (default 50). The run key carries the review count, so checking again
// before the run is done queues nothing new.
import type { Queryable } from '../../api/store/db.ts';
import type { ViolationLabels } from '../violation-labels.ts';
import type { TrainingRequest } from './training-job.ts';

export const DEFAULT_AFTER_REVIEWS = 50;

export function afterReviewsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.TRAINING_AFTER_REVIEWS;
  if (raw === undefined || raw === '') return DEFAULT_AFTER_REVIEWS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`TRAINING_AFTER_REVIEWS must be a whole number of reviews, at least 1 (got "${raw}")`);
  return n;
}

export function verdictTarget(type: string): string {
  return `verdict_${type}`;
}

/** The runs due now: one per type with at least `after` reviews since its newest version. */
export async function dueTrainingRuns(db: Queryable, mapping: ViolationLabels, after: number): Promise<TrainingRequest[]> {
  const rows = await db.query<{ type: string; reviews: number; total: number }>(
    `SELECT c.type,
            count(*) FILTER (WHERE a.at > coalesce(v.last, '-infinity'::timestamptz))::int AS reviews,
            count(*)::int AS total
       FROM audit a
       JOIN cases c ON c.id = a.case_id
       LEFT JOIN (SELECT target, max(created_at) AS last FROM model_versions GROUP BY target) v ON v.target = 'verdict_' || c.type
      WHERE a.action IN ('confirm', 'reject')
      GROUP BY c.type`,
  );
  const due: TrainingRequest[] = [];
  for (const r of rows) {
    const labels = mapping.types[r.type as keyof typeof mapping.types]?.labels;
    if (r.reviews < after || !labels || labels.length === 0) continue;
    due.push({ target: verdictTarget(r.type), appliesTo: [...labels], runKey: `${verdictTarget(r.type)}-after-${r.total}-reviews` });
  }
  return due;
}
