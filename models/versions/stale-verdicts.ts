// Open cases carry the score of the LIVE verdict model, whoever made it live: the training job, an
// admin promoting a version by hand, or a rollback. One SQL query finds, for each `verdict_<type>`
// target, the type's pending cases whose score is not from its live version (a score from another
// of its versions, or none); those are re-scored with the live version's classifier, or, when the
// target has no live version any more, their scores from its versions are cleared, so no score of
// a model that is no longer live shows as if it were current. Scores from models that are not
// versions of the target (a verdict model the manifest declares by name) are the worker's choice
// and left alone. Decided cases are never touched: their score is what the hold figures measure.
// Idempotent and cheap when nothing is stale: one query, no classifier opened.
import type { Queryable } from '../../api/store/db.ts';
import type { Box } from '../../contracts/types.ts';
import type { ObjectStore } from '../../infra/object-store.ts';
import { createClassifier } from '../../pipeline/classify/classifier.ts';
import type { VersionsPlace } from './promotion.ts';
import { clearScore, rescoreOpenCases, type OpenCase, type RescoreOutcome } from './rescore-open-cases.ts';
import { entryOf } from './training-job.ts';
import { getVersion } from './version-store.ts';

/** The pending cases of one verdict target whose score is not from its live version. */
export interface StaleTarget {
  target: string;
  type: string;
  /** Its live version; null when rolled back past its first. */
  liveId: string | null;
  cases: OpenCase[];
}

type Row = {
  target: string;
  type: string;
  live_id: string | null;
  case_id: number;
  verdict_model_id: string | null;
  observation_id: number;
  score: number;
  box: Box;
  object_key: string | null;
};

const PREFIX = 'verdict_';

/** Every verdict target's stale pending cases, with the latest sighting each is judged on. */
export async function staleVerdicts(db: Queryable): Promise<StaleTarget[]> {
  const rows = await db.query<Row>(
    `WITH live AS (
       SELECT DISTINCT ON (target) target, substr(target, ${PREFIX.length + 1}) AS type, version_id
         FROM model_promotions WHERE left(target, ${PREFIX.length}) = '${PREFIX}' ORDER BY target, id DESC)
     SELECT l.target, l.type, l.version_id AS live_id, c.id AS case_id, c.verdict_model_id,
            o.id AS observation_id, o.score, coalesce(e.box, o.box) AS box, e.object_key
       FROM live l
       JOIN cases c ON c.type = l.type AND c.status = 'pending_review'
        AND (c.verdict_model_id IS NULL AND l.version_id IS NOT NULL
             OR c.verdict_model_id IS DISTINCT FROM l.version_id
                AND EXISTS (SELECT 1 FROM model_versions v WHERE v.id = c.verdict_model_id AND v.target = l.target))
       JOIN LATERAL (SELECT * FROM observations WHERE case_id = c.id ORDER BY observed_at DESC, id DESC LIMIT 1) o ON true
       LEFT JOIN LATERAL (SELECT object_key, box FROM evidence
                           WHERE observation_id = o.id AND kind IN ('clean_frame', 'frame') AND content_type LIKE 'image/%'
                           ORDER BY kind = 'clean_frame' DESC, id LIMIT 1) e ON true
      ORDER BY l.target, c.id`,
  );
  const targets = new Map<string, StaleTarget>();
  for (const r of rows) {
    const t = targets.get(r.target) ?? { target: r.target, type: r.type, liveId: r.live_id, cases: [] };
    targets.set(r.target, t);
    t.cases.push({ caseId: Number(r.case_id), observationId: Number(r.observation_id), score: r.score, box: r.box, objectKey: r.object_key, verdictModelId: r.verdict_model_id });
  }
  return [...targets.values()];
}

/**
 * Cases the live model could not score (no image, image gone, empty box), by case and latest
 * sighting, with the live version that tried: not tried again until a new sighting or another
 * live version, so an unscorable case does not open the classifier at every check.
 */
export type Unscorable = Map<string, string>;

export interface StaleVerdictsRun {
  /** One per target whose cases changed or were found unscorable. */
  outcomes: RescoreOutcome[];
  /** Targets that could not be brought up to date, with why (they are tried again next time). */
  failures: Array<{ target: string; error: Error }>;
}

export interface StaleVerdictsOptions {
  threads?: number;
  /** Kept by the caller between runs. */
  unscorable?: Unscorable;
  log?: (obj: object, msg: string) => void;
}

export async function refreshStaleVerdicts(
  place: Pick<VersionsPlace, 'db' | 'modelsDir'>,
  objects: ObjectStore,
  options: StaleVerdictsOptions = {},
): Promise<StaleVerdictsRun> {
  const unscorable = options.unscorable ?? new Map<string, string>();
  const run: StaleVerdictsRun = { outcomes: [], failures: [] };
  const stale = await staleVerdicts(place.db);
  forgetSettled(unscorable, stale);
  for (const t of stale) {
    try {
      const outcome = t.liveId === null ? await clearTarget(place.db, t) : await rescoreTarget(place, objects, t, t.liveId, unscorable, options);
      if (outcome) run.outcomes.push(outcome);
    } catch (error) {
      run.failures.push({ target: t.target, error: error as Error });
    }
  }
  return run;
}

const keyOf = (c: OpenCase) => `${c.caseId}:${c.observationId}`;

/** Drops what no longer needs remembering: cases that are no longer stale (decided, scored). */
function forgetSettled(unscorable: Unscorable, stale: readonly StaleTarget[]): void {
  const now = new Set(stale.flatMap((t) => t.cases.map(keyOf)));
  for (const key of unscorable.keys()) if (!now.has(key)) unscorable.delete(key);
}

async function clearTarget(db: Queryable, t: StaleTarget): Promise<RescoreOutcome> {
  let cleared = 0;
  for (const c of t.cases) if (await clearScore(db, c)) cleared++;
  return { type: t.type, modelId: null, scored: 0, cleared, skipped: [] };
}

async function rescoreTarget(
  place: Pick<VersionsPlace, 'db' | 'modelsDir'>,
  objects: ObjectStore,
  t: StaleTarget,
  liveId: string,
  unscorable: Unscorable,
  options: StaleVerdictsOptions,
): Promise<RescoreOutcome | undefined> {
  const due = t.cases.filter((c) => unscorable.get(keyOf(c)) !== liveId);
  if (due.length === 0) return undefined;
  const open = async () => {
    options.log?.({ target: t.target, modelId: liveId, cases: due.length }, 'live verdict model opened to re-score open cases');
    return createClassifier(await entryOf(place, await getVersion(place.db, liveId)), { threads: options.threads ?? 1 });
  };
  const outcome = await rescoreOpenCases(place.db, objects, t.type, liveId, due, open);
  const skipped = new Set(outcome.skipped.map((s) => s.caseId));
  for (const c of due) if (skipped.has(c.caseId)) unscorable.set(keyOf(c), liveId);
  return outcome;
}
