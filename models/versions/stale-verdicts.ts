// Open cases carry the score of the LIVE verdict model, whoever made it live: the training job, an
// admin promoting a version by hand, or a rollback. A pending case is judged by its camera's own
// target (`verdict_<type>@<camera>`) while that has a live version, else by its type's target
// (`verdict_<type>`), as the verdict stage picks (pipeline/cases/verdict.ts). One SQL query finds
// the pending cases whose score is not from the live version of the target that judges them (a
// score from another version of the type's targets, or none); those are re-scored with that live
// version's classifier, or, when the target has no live version any more (and no type-wide one
// takes over), their scores from versions are cleared, so no score of a model that is no longer
// live shows as if it were current. A camera version rolled back past its first hands the
// camera's cases to the type's live version, which re-scores them. Scores from models that are not
// versions of the type's targets (a verdict model the manifest declares by name) are the worker's
// choice and left alone. Decided cases are never touched: their score is what the hold figures measure.
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
  /** The camera of a camera's own target. */
  camera?: string;
  /** Its live version; null when rolled back past its first. */
  liveId: string | null;
  cases: OpenCase[];
}

type Row = {
  target: string;
  type: string;
  camera: string | null;
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
       SELECT DISTINCT ON (target) target, version_id
         FROM model_promotions WHERE left(target, ${PREFIX.length}) = '${PREFIX}' ORDER BY target, id DESC),
     -- The target judging each pending case: its camera's while that has a live version (or the
     -- type has no target at all), else its type's.
     judged AS (
       SELECT c.id, c.type, c.verdict_model_id,
              CASE WHEN cl.version_id IS NOT NULL OR tl.target IS NULL THEN cl.target ELSE tl.target END AS target,
              CASE WHEN cl.version_id IS NOT NULL OR tl.target IS NULL THEN c.source_id END AS camera,
              coalesce(cl.version_id, tl.version_id) AS live_id
         FROM cases c
         LEFT JOIN live tl ON tl.target = '${PREFIX}' || c.type
         LEFT JOIN live cl ON c.source_kind = 'camera' AND cl.target = '${PREFIX}' || c.type || '@' || c.source_id
        WHERE c.status = 'pending_review' AND (tl.target IS NOT NULL OR cl.target IS NOT NULL))
     SELECT c.target, c.type, c.camera, c.live_id, c.id AS case_id, c.verdict_model_id,
            o.id AS observation_id, o.score, coalesce(e.box, o.box) AS box, e.object_key
       FROM judged c
       JOIN LATERAL (SELECT * FROM observations WHERE case_id = c.id ORDER BY observed_at DESC, id DESC LIMIT 1) o ON true
       LEFT JOIN LATERAL (SELECT object_key, box FROM evidence
                           WHERE observation_id = o.id AND kind IN ('clean_frame', 'frame') AND content_type LIKE 'image/%'
                           ORDER BY kind = 'clean_frame' DESC, id LIMIT 1) e ON true
      WHERE c.verdict_model_id IS NULL AND c.live_id IS NOT NULL
         OR c.verdict_model_id IS DISTINCT FROM c.live_id
            AND EXISTS (SELECT 1 FROM model_versions v WHERE v.id = c.verdict_model_id
                           AND (v.target = '${PREFIX}' || c.type OR left(v.target, length(c.type) + ${PREFIX.length + 1}) = '${PREFIX}' || c.type || '@'))
      ORDER BY c.target, c.id`,
  );
  const targets = new Map<string, StaleTarget>();
  for (const r of rows) {
    const t = targets.get(r.target) ?? { target: r.target, type: r.type, ...(r.camera === null ? {} : { camera: r.camera }), liveId: r.live_id, cases: [] };
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
  return { type: t.type, ...cameraOf(t), modelId: null, scored: 0, cleared, skipped: [] };
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
  const outcome = { ...(await rescoreOpenCases(place.db, objects, t.type, liveId, due, open)), ...cameraOf(t) };
  const skipped = new Set(outcome.skipped.map((s) => s.caseId));
  for (const c of due) if (skipped.has(c.caseId)) unscorable.set(keyOf(c), liveId);
  return outcome;
}

const cameraOf = (t: StaleTarget): { camera?: string } => (t.camera === undefined ? {} : { camera: t.camera });
