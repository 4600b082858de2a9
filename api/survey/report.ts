// GET /v1/surveys/:id: progress, failures with reasons, cases found, and — so nobody reads "no
// cases" as "no violations" — which detector ran, whether it is an aerial model, and which
// violation types were not analysed from the air and why.
import type { DetectorStatement, SurveyImageResult, TypeFromAir } from '../../contracts/survey.ts';
import type { Db } from '../store/db.ts';
import { casesOfObservations, listImages, type SurveyImageRecord, type SurveyRecord } from './store.ts';

export interface SurveyReport extends SurveyRecord {
  /**
   * queued counts every image waiting for a result; `analysing` is how many of those a survey worker
   * holds right now (from the queue; absent when the API has no queue to ask).
   */
  progress: { images: number; queued: number; analysing?: number; done: number; failed: number; complete: boolean };
  failed: Array<{ sha256: string; fileName: string; error: string }>;
  cases: {
    /** Distinct cases in the store holding this survey's sightings (merged ones included). */
    found: number;
    byType: Record<string, number>;
    ids: number[];
    /** Sightings the worker reported; those not yet in the store are still on the dispatch queue. */
    violationsReported: number;
    awaitingDelivery: number;
  };
  detector: DetectorStatement | { statement: string };
  analysis: TypeFromAir[] | { statement: string };
  geolocation: { geolocated: number; notGeolocated: number; telemetryRead: number; telemetryAbsent: number };
  images?: Array<ReturnType<typeof imageView>>;
}

function imageView(i: SurveyImageRecord) {
  const r: Partial<SurveyImageResult> = i.result ?? {};
  return {
    sha256: i.sha256,
    fileName: i.fileName,
    status: i.status,
    ...(i.error ? { error: i.error } : {}),
    width: i.width,
    height: i.height,
    bytes: i.bytes,
    warnings: [...i.uploadWarnings, ...(r.warnings ?? [])],
    ...(r.telemetry ? { telemetry: r.telemetry } : {}),
    ...(r.geolocated !== undefined ? { geolocated: r.geolocated } : {}),
    ...(r.notGeolocated ? { notGeolocated: r.notGeolocated } : {}),
    detections: r.detections ?? [],
    violations: r.violations ?? [],
    ...(r.attempt ? { attempt: r.attempt, reports: i.reports } : {}),
  };
}

/** The images of a survey a worker is analysing now (by sha256), or undefined when that cannot be known. */
export type AnalysingNow = (surveyId: string) => Promise<Set<string> | undefined>;

export async function surveyReport(db: Db, survey: SurveyRecord, withImages: boolean, analysingNow?: AnalysingNow): Promise<SurveyReport> {
  const images = await listImages(db, survey.id);
  // A queue that does not answer leaves the report as the store has it, without the live part.
  const analysing = await analysingNow?.(survey.id).catch(() => undefined);
  const count = (s: string) => images.filter((i) => i.status === s).length;
  const results = images.map((i) => i.result).filter((r): r is SurveyImageResult => r !== undefined);
  const observationIds = results.flatMap((r) => (r.violations ?? []).map((v) => v.observationId));
  const { delivered, cases } = await casesOfObservations(db, observationIds);
  const byType: Record<string, number> = {};
  for (const c of cases) byType[c.type] = (byType[c.type] ?? 0) + 1;
  // The latest result that names a detector speaks for the survey (a hot reload may change it).
  const latest = images
    .filter((i) => i.result?.detector)
    .sort((a, b) => (a.finishedAt ?? '').localeCompare(b.finishedAt ?? ''))
    .at(-1)?.result;
  const waiting = { statement: 'no image has been analysed yet: the survey worker names its detector with the first result' };
  return {
    ...survey,
    progress: {
      images: images.length,
      queued: count('queued'),
      ...(analysing ? { analysing: images.filter((i) => i.status === 'queued' && analysing.has(i.sha256)).length } : {}),
      done: count('done'),
      failed: count('failed'),
      complete: images.length > 0 && count('queued') === 0,
    },
    failed: images.filter((i) => i.status === 'failed').map((i) => ({ sha256: i.sha256, fileName: i.fileName, error: i.error ?? 'unknown error' })),
    cases: { found: cases.length, byType, ids: cases.map((c) => c.id), violationsReported: observationIds.length, awaitingDelivery: observationIds.length - delivered },
    detector: latest?.detector ?? waiting,
    analysis: latest?.analysis ?? waiting,
    geolocation: {
      geolocated: results.filter((r) => r.geolocated).length,
      notGeolocated: results.filter((r) => r.status === 'done' && !r.geolocated).length,
      telemetryRead: results.filter((r) => r.telemetry?.read).length,
      telemetryAbsent: results.filter((r) => r.telemetry && !r.telemetry.read).length,
    },
    ...(withImages ? { images: images.map((i) => ({ ...imageView(i), ...(analysing?.has(i.sha256) && i.status === 'queued' ? { analysing: true } : {}) })) } : {}),
  };
}
