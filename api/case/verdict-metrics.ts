// What a hold threshold would have done on reviews already made: for each type, the cases people
// decided that carry a verdict score (confirmed and everything after it: confirmed; rejected:
// rejected; cases the system rejected by itself are not reviews and are left out). Those scores
// were given at ingest by the verdict model of the day, before anyone reviewed the case, so these
// reviews were never that model's training data: they are held-out reviews by construction.
// "Passed" means at or above the threshold (goes to the review queue), "held" below it.
//   precision = confirmed among passed / passed    (how clean the queue would have been)
//   recall    = confirmed among passed / confirmed (how many real violations the queue still got)
import type { Queryable } from '../store/db.ts';
import { SYSTEM_HOLD } from './verdict-hold.ts';

export interface ScoredReview {
  score: number;
  confirmed: boolean;
}

export interface HoldMetrics {
  reviewed: number;
  confirmed: number;
  rejected: number;
  /** Of the reviewed: below the threshold, and how many of those people confirmed / rejected. */
  held: number;
  heldConfirmed: number;
  heldRejected: number;
  /** Null when nothing passes (precision) or nothing was confirmed (recall). */
  precision: number | null;
  recall: number | null;
}

export function holdMetrics(reviews: readonly ScoredReview[], threshold: number): HoldMetrics {
  let tp = 0;
  let fp = 0;
  let heldConfirmed = 0;
  let heldRejected = 0;
  for (const r of reviews) {
    const passed = r.score >= threshold;
    if (passed && r.confirmed) tp++;
    else if (passed) fp++;
    else if (r.confirmed) heldConfirmed++;
    else heldRejected++;
  }
  const confirmed = tp + heldConfirmed;
  return {
    reviewed: reviews.length,
    confirmed,
    rejected: reviews.length - confirmed,
    held: heldConfirmed + heldRejected,
    heldConfirmed,
    heldRejected,
    precision: tp + fp > 0 ? tp / (tp + fp) : null,
    recall: confirmed > 0 ? tp / confirmed : null,
  };
}

/** Scored reviews per type. */
export async function scoredReviews(db: Queryable): Promise<Map<string, ScoredReview[]>> {
  const rows = await db.query<{ type: string; verdict_score: number; status: string }>(
    `SELECT c.type, c.verdict_score, c.status FROM cases c
      WHERE c.verdict_score IS NOT NULL AND c.status NOT IN ('pending_review')
        AND NOT EXISTS (SELECT 1 FROM audit a WHERE a.case_id = c.id AND a.actor = $1)`,
    [SYSTEM_HOLD.name],
  );
  const out = new Map<string, ScoredReview[]>();
  for (const r of rows) {
    const list = out.get(r.type) ?? [];
    list.push({ score: r.verdict_score, confirmed: r.status !== 'rejected' });
    out.set(r.type, list);
  }
  return out;
}
