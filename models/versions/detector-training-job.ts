// One overnight detector fine-tune, as a `training` queue job (train-detector): the dataset a
// nightly `npm run dataset:export` wrote (reviewed survey images as tiles) → `trainDetector` into a
// run folder → registered as the next aerial-detector version, measured against the live one on
// the trainer's held-out images → promoted only when the rule says so. Idempotent: a retried job
// whose version was stored returns it.
import path from 'node:path';
import { rm } from 'node:fs/promises';
import { trainDetector, type TrainDetectorOptions } from '../train/train-detector.ts';
import { promoteVersion, type VersionsPlace } from './promotion.ts';
import { AERIAL_DETECTOR_TARGET, registerDetector } from './register-detector.ts';
import { listVersions, type ModelVersion } from './version-store.ts';

export const DETECTOR_TRAINING_JOB = 'train-detector';

export type DetectorTrainingRequest = Pick<
  TrainDetectorOptions,
  'dataset' | 'base' | 'labelMap' | 'minutes' | 'epochs' | 'classes' | 'gsdCm' | 'batch' | 'lr' | 'freezeBackbone' | 'replay' | 'minViewsPerEpoch' | 'maxSteps'
> & {
  kind: 'detector';
  /** Names this run, so a retried job finds its own version (the BullMQ job id). */
  runKey: string;
};

export interface DetectorTrainingDeps {
  place: VersionsPlace;
  now?: () => Date;
  log?: (obj: object, msg: string) => void;
}

export async function runDetectorTraining(request: DetectorTrainingRequest, deps: DetectorTrainingDeps): Promise<{ version: ModelVersion; promoted: boolean }> {
  const { place } = deps;
  const log = deps.log ?? (() => undefined);
  const now = deps.now ?? (() => new Date());
  const versions = await listVersions(place.db, { target: AERIAL_DETECTOR_TARGET });
  const done = versions.find((v) => v.training.runKey === request.runKey);
  if (done) return { version: done, promoted: done.promotedAt !== null };

  const id = `aerial-${Math.max(0, ...versions.map((v) => Number(/^aerial-(\d+)$/.exec(v.id)?.[1] ?? 0))) + 1}`;
  // The trainer's output stays out of versions/: registration copies what the version needs.
  const out = path.join(place.modelsDir, 'detector-runs', id);
  await rm(out, { recursive: true, force: true });
  const { kind: _kind, runKey, ...options } = request;
  log({ id, dataset: request.dataset, base: request.base }, 'detector training: started');
  const trained = await trainDetector({ ...options, id, out, log: (line) => log({ id }, line) });
  const version = await registerDetector(place, {
    manifest: trained.manifest, id, actor: 'training job', at: now(), trainingNotes: { runKey },
    log: (obj, msg) => log(obj, msg),
  });
  const decision = version.comparison!;
  if (decision.decision !== 'promote') return { version, promoted: false };
  await promoteVersion(place, id, { name: 'training job', role: 'system' }, now(), decision.reasons.join('; '));
  return { version: (await listVersions(place.db, { target: AERIAL_DETECTOR_TARGET })).find((v) => v.id === id)!, promoted: true };
}
