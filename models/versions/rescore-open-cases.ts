// Re-score the queue with the live verdict model: the cases of a type still waiting for review get
// its score, judged on the same image and box a sighting is (the confirming sighting's original
// frame, else its drawn frame), rather than waiting for a next sighting that a parked car on a still
// camera may never bring. Only the score and its model change: the case keeps its status
// (auto-reject acts on new cases only), and the hold threshold applies on the next read as for any
// score. Which cases need it, and when, is stale-verdicts.ts's concern.
import type { Box } from '../../contracts/types.ts';
import type { Queryable } from '../../api/store/db.ts';
import type { ObjectStore } from '../../infra/object-store.ts';
import type { Classifier } from '../../pipeline/classify/classifier.ts';
import { toRawImage } from '../../pipeline/detect/crop.ts';
import { judgedVerdict } from '../../pipeline/cases/verdict.ts';

export interface RescoreOutcome {
  type: string;
  /** Set when the cases are one camera's, judged by its own verdict model (or cleared of its scores). */
  camera?: string;
  /** The live verdict model that scored them; null when the type has no live verdict version any more. */
  modelId: string | null;
  scored: number;
  /** Scores removed because the model that gave them is no longer live and none could replace them. */
  cleared: number;
  /** Cases left without a new score, with why (no image, image gone, empty box). */
  skipped: Array<{ caseId: number; reason: string }>;
}

/** A pending case with its latest sighting: the score, box and frame it is judged on. */
export interface OpenCase {
  caseId: number;
  observationId: number;
  score: number;
  box: Box;
  /** Its original frame, else its drawn frame; null when the sighting has neither. */
  objectKey: string | null;
  /** The model its current score came from (null: none). */
  verdictModelId: string | null;
}

/**
 * Scores `cases` of `type` with the live verdict model `modelId`, opening its classifier only when a
 * case has an image to judge (once, closed after). A case that cannot be scored keeps no score from
 * a model that is no longer live: that score is cleared, the case reported skipped.
 */
export async function rescoreOpenCases(
  db: Queryable,
  objects: ObjectStore,
  type: string,
  modelId: string,
  cases: readonly OpenCase[],
  open: () => Promise<Classifier>,
): Promise<RescoreOutcome> {
  const outcome: RescoreOutcome = { type, modelId, scored: 0, cleared: 0, skipped: [] };
  let classifier: Classifier | undefined;
  try {
    for (const c of cases) {
      const bytes = c.objectKey ? await objects.get(c.objectKey) : null;
      const judged = bytes ? await judge((classifier ??= await open()), c, bytes) : undefined;
      if (judged === undefined) {
        outcome.skipped.push({ caseId: c.caseId, reason: whyUnscored(c, bytes) });
        if (c.verdictModelId !== null && c.verdictModelId !== modelId && (await clearScore(db, c))) outcome.cleared++;
        continue;
      }
      // Still pending: a reviewer may have decided it while the model ran.
      await db.query(`UPDATE cases SET verdict_score = $2, verdict_model_id = $3 WHERE id = $1 AND status = 'pending_review'`, [c.caseId, judged, modelId]);
      outcome.scored++;
    }
  } finally {
    await classifier?.close();
  }
  return outcome;
}

/** The probability of confirmed for the case's box on its frame; undefined when the box is empty there. */
async function judge(classifier: Classifier, c: OpenCase, bytes: Buffer): Promise<number | undefined> {
  const result = await classifier.classifyBox(await toRawImage(bytes, `case ${c.caseId} frame`), c.box);
  return result ? judgedVerdict(classifier, result, c.score).confirmed : undefined;
}

function whyUnscored(c: OpenCase, bytes: Buffer | null): string {
  if (!c.objectKey) return 'no frame image among its evidence';
  if (!bytes) return `evidence object ${c.objectKey} is missing from the store`;
  return `box [${c.box.join(', ')}] is empty on its frame`;
}

/**
 * Removes a pending case's score if it is still the one from `c.verdictModelId`: a sighting scored
 * by the live model since, or a reviewer's decision, leaves it alone. True when it was removed.
 */
export async function clearScore(db: Queryable, c: Pick<OpenCase, 'caseId' | 'verdictModelId'>): Promise<boolean> {
  const rows = await db.query(
    `UPDATE cases SET verdict_score = NULL, verdict_model_id = NULL
      WHERE id = $1 AND status = 'pending_review' AND verdict_model_id = $2 RETURNING id`,
    [c.caseId, c.verdictModelId],
  );
  return rows.length > 0;
}
