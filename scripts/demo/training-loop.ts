// Training from reviews in the demo: the training service beside the API, at a demo scale. A demo
// makes a handful of cases, never the 50 reviews a type needs in production, so it trains after
// DEMO_AFTER_REVIEWS reviews (TRAINING_AFTER_REVIEWS overrides; the banner states which). The
// terminal is told what the training does and why it does not: a run queued, a target refused for
// having one class only, a version promoted or refused by the rule (with its reasons), a run that
// failed (the trainer's reason, e.g. every review of a class is held out for measuring), and the
// open cases the live verdict model scored (promoted by the job or by hand, or rolled back to).
import type { EmbeddedApi } from '../../api/embedded.ts';
import type { Logger } from '../../infra/logger.ts';
import { exportedReviewCrops } from '../../models/versions/reviewed-crops.ts';
import { afterReviewsFromEnv, DEFAULT_AFTER_REVIEWS } from '../../models/versions/review-trigger.ts';
import type { RescoreOutcome } from '../../models/versions/rescore-open-cases.ts';
import type { TrainingOutcome } from '../../models/versions/training-job.ts';
import { startTrainingService, type TrainingService } from '../../models/versions/training-service.ts';

/** Reviews of a type (labels of an attribute) that call for a model in the demo. */
export const DEMO_AFTER_REVIEWS = 8;

export interface DemoTrainingOptions {
  api: EmbeddedApi;
  modelsDir: string;
  redisUrl: string;
  logger: Logger;
  print: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  /** How often the trigger looks (default 20 s: a demo reviewer should not wait a minute). */
  everyMs?: number;
}

export interface DemoTraining {
  service: TrainingService;
  afterReviews: number;
  /** Where the number comes from: "demo scale; TRAINING_AFTER_REVIEWS overrides, production default 50". */
  describe: string;
}

export function startDemoTraining(o: DemoTrainingOptions): DemoTraining {
  const env = o.env ?? process.env;
  const afterReviews = afterReviewsFromEnv(env, DEMO_AFTER_REVIEWS);
  const fromEnv = env.TRAINING_AFTER_REVIEWS !== undefined && env.TRAINING_AFTER_REVIEWS !== '';
  const { api, print } = o;
  const service = startTrainingService({
    db: api.app.db,
    modelsDir: o.modelsDir,
    redisUrl: o.redisUrl,
    afterReviews,
    everyMs: o.everyMs ?? 20_000,
    threads: 1,
    reviewedCrops: exportedReviewCrops(async (url) => {
      const res = await api.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${api.keys.reviewer}` } });
      return { status: res.statusCode, body: res.rawPayload };
    }),
    // A promoted verdict model scores the cases waiting for review at once: a still camera's parked
    // truck brings no new sighting to be scored on.
    objects: api.app.objects,
    onRescored: (r) => print(rescoredLine(r)),
    log: (obj, msg) => {
      o.logger.info(obj, msg);
      const line = terminalLine(obj as Record<string, unknown>, msg);
      if (line) print(line);
    },
  });
  service.worker.worker.on('completed', (_job, result) => {
    const outcome = result as TrainingOutcome;
    if (!outcome?.version?.comparison) return;
    const { version, promoted } = outcome;
    print(`training   ${version.id} ${promoted ? 'promoted: new sightings are scored with it' : 'not promoted'} (${version.comparison!.reasons.join('; ')})`);
  });
  service.worker.worker.on('failed', (job, error) => {
    if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) print(`training   ${job.data.runKey} failed: ${error.message}`);
  });
  const describe = fromEnv ? 'set by TRAINING_AFTER_REVIEWS' : `demo scale; TRAINING_AFTER_REVIEWS overrides, production default ${DEFAULT_AFTER_REVIEWS}`;
  return { service, afterReviews, describe };
}

/** What a re-scoring did to the open cases, for the terminal. */
export function rescoredLine(r: RescoreOutcome): string {
  const cases = (n: number) => `${n} open ${r.type} case${n === 1 ? '' : 's'}`;
  const skipped = r.skipped.length ? ` (${r.skipped.length} skipped: ${r.skipped[0]!.reason})` : '';
  if (r.modelId === null) return `training   ${cases(r.cleared)}: verdict score cleared, no verdict model is live for ${r.type} any more`;
  return `training   ${cases(r.scored)} scored by ${r.modelId}${skipped}; the review page shows each score`;
}

function terminalLine(obj: Record<string, unknown>, msg: string): string | undefined {
  if (msg === 'training run queued') return `training   ${String(obj.target)}: run queued (${String(obj.runKey)})`;
  if (msg === 'training run not queued: one class only') return `training   not queued: ${String(obj.reason)}`;
  return undefined;
}
