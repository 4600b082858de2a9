// When a model is due. A verdict model: after N new reviews (confirm or reject) of a violation type
// since its last version was trained, a run of `verdict_<type>`. An attribute classifier (a truck's
// cover, a watch zone's state): after N new labels reviewers gave that attribute on reviewed cases
// (the cases `dataset:export --crops` writes), a run of the attribute itself (`cover`, `zoneState`).
// N is the setting TRAINING_AFTER_REVIEWS (default 50). A target whose reviews hold one class only
// (all confirmed, every cover "covered") is not queued: nothing can be learnt from one class, and the
// reason is handed to `refused` instead. The run key carries the review or label count, so checking
// again before the run is done queues nothing new.
// A camera whose own reviews of a type reach N since its own model's last version (and hold both
// verdicts) also gets a run of `verdict_<type>@<camera id>`: a model of what reviewers confirm at
// that camera, which judges its sightings once promoted (training-job.ts says when). Not while the
// camera's reviews are all its type's: the type's model is then already trained on exactly them.
import { ATTRIBUTE_LABELS, type AttributeVocabulary } from '../../api/case/attribute-labels.ts';
import type { Queryable } from '../../api/store/db.ts';
import { cameraVerdictAttribute } from '../../pipeline/cases/verdict.ts';
import { CAMERA_IN_ATTRIBUTE } from '../manifest.ts';
import type { ViolationLabels } from '../violation-labels.ts';
import type { TrainingRequest } from './training-job.ts';

export const DEFAULT_AFTER_REVIEWS = 50;

/** TRAINING_AFTER_REVIEWS, else `fallback` (the demo passes its own, smaller, and says so). */
export function afterReviewsFromEnv(env: NodeJS.ProcessEnv = process.env, fallback = DEFAULT_AFTER_REVIEWS): number {
  const raw = env.TRAINING_AFTER_REVIEWS;
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`TRAINING_AFTER_REVIEWS must be a whole number of reviews, at least 1 (got "${raw}")`);
  return n;
}

export function verdictTarget(type: string): string {
  return `verdict_${type}`;
}

/** A target with enough new reviews that is still not queued, and why. */
export interface RefusedRun {
  target: string;
  reviews: number;
  reason: string;
}

export interface DueOptions {
  /** The attributes reviewers label (default: the API's vocabulary). */
  vocabulary?: Record<string, AttributeVocabulary>;
  /** Told of each target that has enough new reviews but cannot be trained yet. */
  refused?: (run: RefusedRun) => void;
}

/**
 * The runs due now: verdict models of types, then of cameras (a camera's run after its type's, so it
 * is measured against the type's newest model), then attribute classifiers, each with at least
 * `after` new reviews and two classes.
 */
export async function dueTrainingRuns(db: Queryable, mapping: ViolationLabels, after: number, options: DueOptions = {}): Promise<TrainingRequest[]> {
  return [
    ...(await dueVerdictRuns(db, mapping, after, options)),
    ...(await dueCameraVerdictRuns(db, mapping, after, options)),
    ...(await dueAttributeRuns(db, after, options)),
  ];
}

/** A verdict target's reviews as counted for the trigger. */
type VerdictCounts = {
  reviews: number;
  total: number;
  confirmed: number;
  rejected: number;
};

/** The run of `target` when its reviews call for one; undefined (and `refused` told why, if one class only) when not. */
function verdictRun(target: string, labels: readonly string[] | undefined, r: VerdictCounts, after: number, options: DueOptions): TrainingRequest | undefined {
  if (r.reviews < after || !labels || labels.length === 0) return undefined;
  if (r.confirmed === 0 || r.rejected === 0) {
    const only = r.rejected === 0 ? `all ${r.confirmed} reviewed cases confirmed` : `all ${r.rejected} reviewed cases rejected`;
    options.refused?.({ target, reviews: r.reviews, reason: `${target}: ${only}; a verdict model needs confirmed and rejected cases, so training waits for a ${r.rejected === 0 ? 'rejected' : 'confirmed'} one` });
    return undefined;
  }
  return { target, appliesTo: [...labels], runKey: `${target}-after-${r.total}-reviews` };
}

async function dueVerdictRuns(db: Queryable, mapping: ViolationLabels, after: number, options: DueOptions): Promise<TrainingRequest[]> {
  const rows = await db.query<{ type: string; reviews: number; total: number; confirmed: number; rejected: number }>(
    `SELECT c.type,
            count(*) FILTER (WHERE a.at > coalesce(v.last, '-infinity'::timestamptz))::int AS reviews,
            count(*)::int AS total,
            (SELECT count(*) FROM cases k WHERE k.type = c.type AND k.status NOT IN ('pending_review', 'rejected'))::int AS confirmed,
            (SELECT count(*) FROM cases k WHERE k.type = c.type AND k.status = 'rejected')::int AS rejected
       FROM audit a
       JOIN cases c ON c.id = a.case_id
       LEFT JOIN (SELECT target, max(created_at) AS last FROM model_versions GROUP BY target) v ON v.target = 'verdict_' || c.type
      WHERE a.action IN ('confirm', 'reject')
      GROUP BY c.type`,
  );
  const due: TrainingRequest[] = [];
  for (const r of rows) {
    const run = verdictRun(verdictTarget(r.type), mapping.types[r.type as keyof typeof mapping.types]?.labels, r, after, options);
    if (run) due.push(run);
  }
  return due;
}

/** Reviews of camera cases, counted per type and camera since that camera's own target's last version. */
async function dueCameraVerdictRuns(db: Queryable, mapping: ViolationLabels, after: number, options: DueOptions): Promise<TrainingRequest[]> {
  const rows = await db.query<VerdictCounts & { type: string; camera: string; typeTotal: number }>(
    `SELECT c.type, c.source_id AS camera,
            (SELECT count(*) FROM audit b JOIN cases k ON k.id = b.case_id
              WHERE k.type = c.type AND b.action IN ('confirm', 'reject'))::int AS "typeTotal",
            count(*) FILTER (WHERE a.at > coalesce(v.last, '-infinity'::timestamptz))::int AS reviews,
            count(*)::int AS total,
            (SELECT count(*) FROM cases k WHERE k.type = c.type AND k.source_kind = 'camera' AND k.source_id = c.source_id
                AND k.status NOT IN ('pending_review', 'rejected'))::int AS confirmed,
            (SELECT count(*) FROM cases k WHERE k.type = c.type AND k.source_kind = 'camera' AND k.source_id = c.source_id
                AND k.status = 'rejected')::int AS rejected
       FROM audit a
       JOIN cases c ON c.id = a.case_id AND c.source_kind = 'camera'
       LEFT JOIN (SELECT target, max(created_at) AS last FROM model_versions GROUP BY target) v ON v.target = 'verdict_' || c.type || '@' || c.source_id
      WHERE a.action IN ('confirm', 'reject')
      GROUP BY c.type, c.source_id
      ORDER BY c.type, c.source_id`,
  );
  const due: TrainingRequest[] = [];
  for (const r of rows) {
    // Every review of the type is this camera's (a pilot, the demo): the type's model learns from
    // exactly these, so a model of the camera's own would be the same model trained twice.
    if (r.total === r.typeTotal) continue;
    const target = cameraVerdictAttribute(r.type, r.camera);
    if (!CAMERA_IN_ATTRIBUTE.test(r.camera)) {
      if (r.reviews >= after) options.refused?.({ target, reviews: r.reviews, reason: `${target}: camera id "${r.camera}" cannot name a model (letters, digits, "_", ".", ":" and "-", at most 128), so its cases are judged by the type's model` });
      continue;
    }
    const run = verdictRun(target, mapping.types[r.type as keyof typeof mapping.types]?.labels, r, after, options);
    if (run) due.push(run);
  }
  return due;
}

/**
 * Labels count on reviewed cases only (a pending case's crop is not exported); each labelling is
 * one (a reviewer changing a label is new information), the classes are the labels as they stand.
 */
async function dueAttributeRuns(db: Queryable, after: number, options: DueOptions): Promise<TrainingRequest[]> {
  const vocabulary = options.vocabulary ?? ATTRIBUTE_LABELS;
  const rows = await db.query<{ attribute: string; labels: number; total: number; classes: string[] | null }>(
    `SELECT x.attribute,
            count(*) FILTER (WHERE x.at > coalesce(v.last, '-infinity'::timestamptz))::int AS labels,
            count(*)::int AS total,
            (SELECT array_agg(DISTINCT l.value ORDER BY l.value) FROM case_labels l JOIN cases k ON k.id = l.case_id
              WHERE l.attribute = x.attribute AND k.status <> 'pending_review') AS classes
       FROM (SELECT a.details->>'attribute' AS attribute, a.at FROM audit a JOIN cases c ON c.id = a.case_id
              WHERE a.action = 'label' AND c.status <> 'pending_review') x
       LEFT JOIN (SELECT target, max(created_at) AS last FROM model_versions GROUP BY target) v ON v.target = x.attribute
      GROUP BY x.attribute`,
  );
  const due: TrainingRequest[] = [];
  for (const r of rows) {
    const attribute = vocabulary[r.attribute];
    if (!attribute || r.labels < after) continue;
    const classes = r.classes ?? [];
    if (classes.length < 2) {
      options.refused?.({ target: r.attribute, reviews: r.labels, reason: `${r.attribute}: every labelled reviewed case is "${classes[0] ?? '?'}"; a classifier needs two classes, so training waits for a case labelled ${attribute.values.filter((v) => v.value !== classes[0]).map((v) => `"${v.value}"`).join(' or ')}` });
      continue;
    }
    due.push({ target: r.attribute, appliesTo: [...attribute.appliesTo], runKey: `${r.attribute}-after-${r.total}-labels` });
  }
  return due;
}
