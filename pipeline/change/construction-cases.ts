// From a survey-against-survey comparison to illegal_construction cases, through the same path as
// every drone case: evidence stored → dedupe key from the geo index (so a structure already raised by
// an earlier comparison, or by a detector on a survey photo, is the same case) → one observation on
// the dispatch queue, which the dispatch worker posts to the API. The stages: judge the candidates
// (size, permitted footprints), rank them, crop both surveys around each, draw the evidence, report.
// Repeating a comparison repeats the same observation ids and dedupe memo: no duplicate case.
import { createHash } from 'node:crypto';
import type { CaseObservation } from '../../contracts/case.ts';
import type { PolygonLayer } from '../../contracts/survey.ts';
import type { Violation } from '../../contracts/types.ts';
import type { ObjectStore } from '../../infra/object-store.ts';
import type { Logger } from '../../infra/logger.ts';
import { toObservation } from '../cases/observation.ts';
import type { Dedupe } from '../dedupe/dedupe.ts';
import { distanceM } from '../survey/georeference.ts';
import { zoneLayer } from '../survey/zone-layers.ts';
import { cropCandidate, type CandidateCrops, type CropSettings } from './candidate-crops.ts';
import type { OrthoCandidate, OrthoComparison } from './compare-orthomosaics.ts';
import { judgeCandidates, type ConstructionRuleSettings, type Judged } from './construction-rule.ts';
import { constructionEvidence, outlineBox } from './construction-evidence.ts';
import { openGeoTiff, type GeoTiffSource } from './geotiff-source.ts';

export interface SurveySide {
  /** The survey's name as people know it (captions, the case's source). */
  name: string;
  /** When it was flown. */
  date: Date;
  /** The API's survey id, when the survey is registered there: the cases are then that survey's. */
  surveyId?: string;
}

export interface ConstructionCaseDeps {
  objects: ObjectStore;
  dedupe: Dedupe;
  dispatch: { enqueue(observation: CaseObservation): Promise<void> };
  logger?: Logger;
}

export interface ConstructionCaseOptions {
  before: SurveySide;
  after: SurveySide;
  /** The area's permitted-building layer (GeoJSON, lon/lat), as a survey's zones carry it. */
  permittedBuildings?: PolygonLayer;
  rule?: Partial<ConstructionRuleSettings>;
  crops?: Partial<CropSettings>;
  /** Time zone of the captions' dates (default Asia/Shanghai). */
  timezone?: string;
}

export interface RankedCase {
  rank: number;
  dedupeKey: string;
  observationId: string;
  kind: OrthoCandidate['kind'];
  areaM2: number;
  score: number;
  rise?: number;
  location: { lat: number; lon: number; accuracyM: number };
  polygon: [number, number][];
}

export interface ConstructionReport {
  /** Raised (or merged into an earlier case), highest score first. */
  cases: RankedCase[];
  /** Candidates that did not become cases, with the reason. */
  dropped: { areaM2: number; score: number; polygon: [number, number][]; reason: string }[];
}

/** An orthomosaic comparison's candidates as cases; the crops are read from both GeoTIFFs. */
export async function reportConstructionCases(comparison: OrthoComparison, options: ConstructionCaseOptions, deps: ConstructionCaseDeps): Promise<ConstructionReport> {
  let surveys: Promise<{ before: GeoTiffSource; after: GeoTiffSource }> | undefined;
  const offset: [number, number] = [comparison.alignment.east, comparison.alignment.north];
  const crop: CropSource = async (candidate) => {
    surveys ??= Promise.all([openGeoTiff(comparison.inputs.before), openGeoTiff(comparison.inputs.after)]).then(([before, after]) => ({ before, after }));
    return cropCandidate(await surveys, { epsg: comparison.grid.epsg, res: comparison.grid.resolution }, offset, candidate.polygon, options.crops);
  };
  return raiseConstructionCases(comparison.candidates, crop, `${comparison.inputs.before}|${comparison.inputs.after}`, options, deps);
}

/** The before and after pictures of a candidate, however the comparison got them (orthomosaics, photos). */
export type CropSource = (candidate: OrthoCandidate) => Promise<CandidateCrops>;

/** `inputs` names what was compared (files), so a repeated comparison is recognised as the same one. */
export async function raiseConstructionCases(candidates: readonly OrthoCandidate[], crop: CropSource, inputs: string, options: ConstructionCaseOptions, deps: ConstructionCaseDeps): Promise<ConstructionReport> {
  const judged = judgeCandidates(candidates, zoneLayer(options.permittedBuildings, 'permitted'), options.rule);
  const raised = rank(judged.filter((j) => !j.dropped));
  const dropped = judged.filter((j) => j.dropped).map((j) => ({ areaM2: j.candidate.areaM2, score: j.candidate.score, polygon: j.candidate.polygon, reason: j.dropped! }));
  if (raised.length === 0) return { cases: [], dropped };
  const scope = comparisonScope(inputs, options);
  const cases: RankedCase[] = [];
  for (const [i, candidate] of raised.entries()) {
    const crops = await crop(candidate);
    const evidence = await constructionEvidence(crops, { beforeName: options.before.name, afterName: options.after.name, beforeDate: options.before.date, afterDate: options.after.date, areaM2: candidate.areaM2, score: candidate.score, ...(candidate.rise !== undefined ? { rise: candidate.rise } : {}), timezone: options.timezone ?? 'Asia/Shanghai' }, deps.objects);
    const v = violationOf(candidate, evidence[0]!.box!, options, scope);
    const dedupeKey = await deps.dedupe.keyFor(v);
    const observation = toObservation(v, dedupeKey, evidence, { kind: 'survey', name: options.after.name }, undefined);
    await deps.dispatch.enqueue(observation);
    deps.logger?.info({ source: v.sourceId, dedupeKey, observationId: observation.observationId, areaM2: candidate.areaM2 }, 'illegal construction reported');
    cases.push({ rank: i + 1, dedupeKey, observationId: observation.observationId, kind: candidate.kind, areaM2: round(candidate.areaM2, 1), score: round(candidate.score, 3), ...(candidate.rise !== undefined ? { rise: round(candidate.rise, 2) } : {}), location: v.location!, polygon: candidate.polygon });
  }
  return { cases, dropped };
}

/** Highest score first; a larger structure first among equal scores. */
function rank(judged: Judged[]): OrthoCandidate[] {
  return judged.map((j) => j.candidate).sort((a, b) => b.score - a.score || b.areaM2 - a.areaM2);
}

/**
 * The comparison a sighting comes from stands in for "the picture" of a photo sighting: two
 * structures found by one comparison are never merged into one case however close they stand,
 * while the same structure found again by a later comparison is.
 */
function comparisonScope(inputs: string, options: ConstructionCaseOptions): string {
  return createHash('sha256')
    .update([options.before.surveyId ?? options.before.name, options.before.date.toISOString(), options.after.surveyId ?? options.after.name, options.after.date.toISOString(), inputs].join('|'))
    .digest('hex')
    .slice(0, 32);
}

function violationOf(c: OrthoCandidate, box: Violation['box'], options: ConstructionCaseOptions, scope: string): Violation {
  const n = c.polygon.length;
  const [lon, lat] = c.polygon.reduce(([x, y], [px, py]) => [x + px / n, y + py / n], [0, 0]);
  // Anywhere inside the outline is "here": the accuracy is the outline's reach from its centre.
  const accuracyM = Math.max(...c.polygon.map(([px, py]) => distanceM({ lat, lon }, { lat: py, lon: px })));
  return {
    type: 'illegal_construction',
    sourceId: `survey-${options.after.surveyId ?? `compare-${scope.slice(0, 12)}`}`,
    observedAt: options.after.date,
    box,
    score: Math.min(1, Math.max(0, c.score)),
    location: { lat: round(lat, 7), lon: round(lon, 7), accuracyM: round(accuracyM, 1) },
    evidenceFrames: [],
    label: c.kind === 'rise' ? 'new structure (surface rose)' : 'new structure',
    modelId: 'survey-change',
    attributes: {
      image: scope,
      areaM2: round(c.areaM2, 1),
      beforeSurvey: options.before.name,
      beforeDate: options.before.date.toISOString(),
      afterSurvey: options.after.name,
      afterDate: options.after.date.toISOString(),
      changeKind: c.kind,
      ...(c.rise !== undefined ? { riseM: round(c.rise, 2) } : {}),
      outline: JSON.stringify(c.polygon.map(([x, y]) => [round(x, 7), round(y, 7)])),
    },
  };
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
