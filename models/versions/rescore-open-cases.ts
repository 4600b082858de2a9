// Re-score the queue with a new verdict model: when a `verdict_<type>` version is promoted, the
// cases of that type still waiting for review get its score at once, judged on the same image and
// box a sighting is (the confirming sighting's original frame, else its drawn frame), rather than
// waiting for a next sighting that a parked car on a still camera may never bring. Only the score
// and its model change: the case keeps its status (auto-reject acts on new cases only), and the
// hold threshold applies on the next read as for any score. Decided cases keep the score they were
// reviewed with: that score is what the hold figures measure.
import type { Box } from '../../contracts/types.ts';
import type { Queryable } from '../../api/store/db.ts';
import type { ObjectStore } from '../../infra/object-store.ts';
import { createClassifier, type Classifier } from '../../pipeline/classify/classifier.ts';
import { toRawImage } from '../../pipeline/detect/crop.ts';
import { judgedVerdict } from '../../pipeline/cases/verdict.ts';
import type { VersionsPlace } from './promotion.ts';
import { entryOf } from './training-job.ts';
import type { ModelVersion } from './version-store.ts';

export interface RescoreOutcome {
  type: string;
  modelId: string;
  scored: number;
  /** Cases left as they were, with why (no image, image gone, empty box). */
  skipped: Array<{ caseId: number; reason: string }>;
}

type OpenCase = {
  case_id: number;
  score: number;
  box: Box;
  object_key: string | null;
};

/** The latest sighting of each pending case of `type`, with its original frame (else its frame). */
async function openCases(db: Queryable, type: string): Promise<OpenCase[]> {
  return db.query<OpenCase>(
    `SELECT c.id AS case_id, o.score, coalesce(e.box, o.box) AS box, e.object_key
       FROM cases c
       JOIN LATERAL (SELECT * FROM observations WHERE case_id = c.id ORDER BY observed_at DESC, id DESC LIMIT 1) o ON true
       LEFT JOIN LATERAL (SELECT object_key, box FROM evidence
                           WHERE observation_id = o.id AND kind IN ('clean_frame', 'frame') AND content_type LIKE 'image/%'
                           ORDER BY kind = 'clean_frame' DESC, id LIMIT 1) e ON true
      WHERE c.type = $1 AND c.status = 'pending_review'
      ORDER BY c.id`,
    [type],
  );
}

export async function rescoreOpenCases(db: Queryable, objects: ObjectStore, type: string, classifier: Classifier): Promise<RescoreOutcome> {
  const outcome: RescoreOutcome = { type, modelId: classifier.model.id, scored: 0, skipped: [] };
  for (const c of await openCases(db, type)) {
    const caseId = Number(c.case_id);
    if (!c.object_key) {
      outcome.skipped.push({ caseId, reason: 'no frame image among its evidence' });
      continue;
    }
    const bytes = await objects.get(c.object_key);
    if (!bytes) {
      outcome.skipped.push({ caseId, reason: `evidence object ${c.object_key} is missing from the store` });
      continue;
    }
    const result = await classifier.classifyBox(await toRawImage(bytes, `case ${caseId} frame`), c.box);
    if (!result) {
      outcome.skipped.push({ caseId, reason: `box [${c.box.join(', ')}] is empty on its frame` });
      continue;
    }
    const { confirmed } = judgedVerdict(classifier, result, c.score);
    // Still pending: a reviewer may have decided it while the model ran.
    await db.query(`UPDATE cases SET verdict_score = $2, verdict_model_id = $3 WHERE id = $1 AND status = 'pending_review'`, [caseId, confirmed, classifier.model.id]);
    outcome.scored++;
  }
  return outcome;
}

/**
 * After the training job promoted `version`: a verdict version re-scores its type's open cases with
 * its own classifier (opened for this and closed after); any other target needs nothing. Undefined
 * when there was nothing to do.
 */
export async function rescoreAfterPromotion(place: Pick<VersionsPlace, 'db' | 'modelsDir'>, objects: ObjectStore, version: ModelVersion, threads = 1): Promise<RescoreOutcome | undefined> {
  const type = /^verdict_(.+)$/.exec(version.target)?.[1];
  if (!type) return undefined;
  const classifier = await createClassifier(await entryOf(place, version), { threads });
  try {
    return await rescoreOpenCases(place.db, objects, type, classifier);
  } finally {
    await classifier.close();
  }
}
