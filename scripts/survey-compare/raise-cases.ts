// `survey:compare --cases`: the comparison's candidates judged against the area's permitted-building
// layer and raised as illegal_construction cases on the dispatch queue (Redis), which a dispatch
// worker delivers to the API (`npm start` runs one; otherwise `npm run dispatch:worker`). Evidence
// goes to the API's object store (OBJECTS_DIR or S3_*, as the survey worker's).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT } from '../../api/config.ts';
import { checkPolygonLayer, SurveyGeometryError } from '../../contracts/survey-geometry.ts';
import type { PolygonLayer } from '../../contracts/survey.ts';
import { createLogger } from '../../infra/logger.ts';
import { objectStoreSettingsFromEnv, openObjectStore } from '../../infra/object-store.ts';
import { createCaseReporter } from '../../pipeline/cases/reporter.ts';
import type { OrthoCandidate, OrthoComparison } from '../../pipeline/change/compare-orthomosaics.ts';
import type { PhotoSurveyComparison } from '../../pipeline/change/compare-photo-surveys.ts';
import {
  raiseConstructionCases,
  reportConstructionCases,
  type ConstructionCaseDeps,
  type ConstructionCaseOptions,
  type ConstructionReport,
  type SurveySide,
} from '../../pipeline/change/construction-cases.ts';
import { ChangeInputError } from '../../pipeline/change/load-image.ts';

export interface RaiseOptions {
  redisUrl: string;
  prefix?: string;
  before: SurveySide;
  after: SurveySide;
  permittedBuildings?: PolygonLayer;
  minAreaM2?: number;
  timezone?: string;
}

/** An orthomosaic comparison's cases. */
export function raiseCases(comparison: OrthoComparison, o: RaiseOptions): Promise<ConstructionReport> {
  return withReporter(o, (options, deps) => reportConstructionCases(comparison, options, deps));
}

/** A photo comparison's cases: crops from the photos, the after one aligned onto the before one. */
export function raisePhotoCases(comparison: PhotoSurveyComparison, o: RaiseOptions): Promise<ConstructionReport> {
  const crop = async (c: OrthoCandidate) => comparison.cropOf(c) ?? Promise.reject(new Error('a photo candidate without its crops'));
  const inputs = [...comparison.inputs.before, '|', ...comparison.inputs.after].join(',');
  return withReporter(o, (options, deps) => raiseConstructionCases(comparison.candidates, crop, inputs, options, deps));
}

type Raise = (options: ConstructionCaseOptions, deps: ConstructionCaseDeps) => Promise<ConstructionReport>;

async function withReporter(o: RaiseOptions, raise: Raise): Promise<ConstructionReport> {
  const permittedBuildings = o.permittedBuildings;
  const objects = await openObjectStore(objectStoreSettingsFromEnv(process.env, path.join(path.resolve(process.env.DATA_DIR ?? path.join(REPO_ROOT, 'data')), 'objects')));
  await objects.ready();
  const logger = createLogger('survey-compare');
  const reporter = createCaseReporter({ redisUrl: o.redisUrl, objects, prefix: o.prefix, logger });
  try {
    return await raise(
      { before: o.before, after: o.after, ...(permittedBuildings ? { permittedBuildings } : {}), ...(o.minAreaM2 !== undefined ? { rule: { minAreaM2: o.minAreaM2 } } : {}), ...(o.timezone ? { timezone: o.timezone } : {}) },
      { objects, dedupe: reporter.dedupe, dispatch: reporter.queue, logger },
    );
  } finally {
    await reporter.close();
  }
}

/** The permitted-building layer, a GeoJSON file checked as a survey's zone layer is. */
export async function readPermitted(file: string): Promise<PolygonLayer> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new ChangeInputError(`${file}: not a readable GeoJSON file (${(error as Error).message})`);
  }
  try {
    checkPolygonLayer(value, 'permittedBuildings');
  } catch (error) {
    if (error instanceof SurveyGeometryError) throw new ChangeInputError(`${file}: ${error.message}`);
    throw error;
  }
  return value as PolygonLayer;
}
