// From a violation to a case on its way to the API: evidence (drawn, cropped, hashed, stored) →
// dedupe key (Redis) → one job on the dispatch queue. Workers never touch the case store; the
// dispatch queue delivers to POST /v1/cases, which is the single writer. Every step is safe to
// repeat: evidence is content-addressed, the dedupe index matches a sighting to itself, the queue
// job id and the API both key on the observation id.
import type { CaseObservation, SourceKind } from '../../contracts/case.ts';
import type { Violation } from '../../contracts/types.ts';
import type { Logger } from '../../infra/logger.ts';
import type { ObjectStore } from '../../infra/object-store.ts';
import type { Dedupe } from '../dedupe/dedupe.ts';
import { captureEvidence } from '../evidence/capture.ts';
import { plateAttributes, type PlateReader } from '../plates/plate-reader.ts';
import { readPlateOnSharpest } from '../plates/read-sharpest.ts';
import { sourceKindOf, toObservation } from './observation.ts';
import { withVerdict } from './verdict.ts';
import type { Classifier } from '../classify/classifier.ts';

/** How the camera (and drone) workers hand violations on. */
export type ViolationSink = (v: Violation) => Promise<void>;

export interface SourceInfo {
  /** The camera's or survey's name as people know it (captions, the case). */
  name?: string;
  kind?: SourceKind;
  /** Time zone for the evidence caption clock (default Asia/Shanghai). */
  timezone?: string;
}

export interface ReportViolationDeps {
  objects: ObjectStore;
  dedupe: Dedupe;
  /** Puts the observation on the dispatch queue (pipeline/dispatch/queue.ts). */
  dispatch: { enqueue(observation: CaseObservation): Promise<void> };
  /** Name, kind and time zone of a source id, e.g. from the camera config. */
  source?: (sourceId: string) => SourceInfo | undefined | Promise<SourceInfo | undefined>;
  /** sha256 of a model by manifest id, for violations that do not carry it. */
  modelSha256?: (modelId: string) => string | undefined;
  /**
   * Camera parking sightings get a plate field: read from the confirming frame's vehicle box by
   * this reader (asked per sighting: the model registry may have swapped it), or "unreadable" with
   * the reason (also "no plate reader" when it returns undefined). Absent: plates are not read.
   */
  plateReader?: () => PlateReader | undefined;
  /**
   * The loaded classifiers (asked per sighting: the registry may have swapped them); the verdict
   * classifier of the sighting's type, if any, scores it (verdict.ts). Absent: no verdict scores.
   */
  classifiers?: () => readonly Classifier[];
  logger?: Logger;
}

/** Chinese names for captions; the API's case-type table is the editable source for cases. */
export const TYPE_NAMES_ZH: Record<Violation['type'], string> = {
  street_vending: '占道经营',
  illegal_parking: '违停',
  exposed_garbage: '暴露垃圾',
  illegal_construction: '违法建筑',
  uncovered_muck_truck: '渣土车未覆盖',
};

export async function reportViolation(sighting: Violation, deps: ReportViolationDeps): Promise<CaseObservation> {
  const v = await withVerdict(await withPlate(sighting, deps), deps.classifiers?.() ?? []);
  const info = (await deps.source?.(v.sourceId)) ?? {};
  const evidence = await captureEvidence(v, deps.objects, {
    sourceName: info.name ?? v.sourceId,
    timezone: info.timezone,
    typeName: TYPE_NAMES_ZH[v.type],
  });
  const dedupeKey = await deps.dedupe.keyFor(v);
  const modelSha256 = v.modelSha256 ?? (v.modelId ? deps.modelSha256?.(v.modelId) : undefined);
  const observation = toObservation(v, dedupeKey, evidence, info, modelSha256);
  await deps.dispatch.enqueue(observation);
  deps.logger?.info(
    { source: v.sourceId, type: v.type, dedupeKey, observationId: observation.observationId, evidence: evidence.length },
    'violation reported',
  );
  return observation;
}

/**
 * A camera parking sighting with its plate read (or why not) into its attributes, on the sharpest
 * of its evidence frames (the vehicle stood still across them, so its box holds); others as they are.
 */
export async function withPlate(v: Violation, deps: Pick<ReportViolationDeps, 'plateReader'>): Promise<Violation> {
  if (!deps.plateReader || v.type !== 'illegal_parking' || v.evidenceFrames.length === 0 || sourceKindOf(v) !== 'camera' || v.attributes?.plate !== undefined) return v;
  const { reading } = await readPlateOnSharpest(deps.plateReader(), v.evidenceFrames, v.box);
  return { ...v, attributes: { ...v.attributes, ...plateAttributes(reading) } };
}

/** The callback a worker is given: reportViolation with its dependencies bound. */
export function violationSink(deps: ReportViolationDeps): ViolationSink {
  return async (v) => {
    await reportViolation(v, deps);
  };
}
