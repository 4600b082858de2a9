// Which violation types the installed models can find. A type without a model must be reported as
// "not analysed: no model" (in health output, in the demo), never silently produce no cases: a
// city must not read "no garbage cases" as "no garbage".
import type { ViolationType } from '../contracts/types.ts';
import type { Manifest, ModelKind } from './manifest.ts';
import { VIOLATION_TYPE_LIST, type ViolationLabels } from './violation-labels.ts';

export interface TypeAnalysis {
  type: ViolationType;
  analysed: boolean;
  reason?: 'no model';
  /** What is missing, in words, when not analysed. */
  missing?: string;
  /** The models the type's rule relies on, with the labels each contributes. */
  models: Array<{ id: string; sha256: string; kind: ModelKind; labels: string[] }>;
  /** How the type is still found without a model of its own, where the product has such a way. */
  withoutModel?: string;
}

/**
 * The types a model-free method still finds: said beside "not analysed" so that a city reads the
 * status right (no garbage model, yet watch zones on fixed cameras still raise left-behind rubbish).
 */
const WITHOUT_MODEL: Partial<Record<ViolationType, string>> = {
  exposed_garbage: 'fixed cameras still find objects left behind in watch zones (and zones with persistSeconds) against their scene background',
  illegal_construction: 'comparing two surveys (npm run survey:compare) still finds new structures outside permittedBuildings',
};

export interface AnalysisScope {
  /**
   * false: for camera workers, which do not load detectors declared `aerial` (trained on drone
   * images), so a type only an aerial detector finds is not analysed on their cameras. Default true.
   */
  aerialDetectors?: boolean;
}

export function analysableTypes(manifest: Manifest, mapping: ViolationLabels, scope: AnalysisScope = {}): TypeAnalysis[] {
  const detectors = manifest.models.filter((m) => m.enabled !== false && (scope.aerialDetectors !== false || m.aerial !== true));
  return VIOLATION_TYPE_LIST.map((type): TypeAnalysis => {
    const m = mapping.types[type];
    const without = WITHOUT_MODEL[type];
    const notAnalysed = (missing: string): TypeAnalysis => ({ type, analysed: false, reason: 'no model', missing, models: [], ...(without ? { withoutModel: without } : {}) });
    if (!m) return notAnalysed(`no detector labels are mapped to it in ${mapping.path}`);
    const models: TypeAnalysis['models'] = [];
    for (const d of detectors) {
      const labels = d.labels.filter((l) => m.labels.includes(l));
      if (labels.length > 0) models.push({ id: d.id, sha256: d.sha256, kind: 'detector', labels });
    }
    if (models.length === 0) return notAnalysed(`no detector has a label among: ${m.labels.join(', ')}`);
    for (const required of m.requiresLabels ?? []) {
      if (!detectors.some((d) => d.labels.includes(required))) return notAnalysed(`no detector finds "${required}"`);
    }
    if (m.attribute !== undefined) {
      const objectLabels = new Set(models.flatMap((x) => x.labels));
      const classifiers = manifest.classifiers.filter(
        (c) => c.attribute === m.attribute && c.labels.includes(m.value!) && c.appliesTo.some((l) => objectLabels.has(l)),
      );
      if (classifiers.length === 0) {
        return notAnalysed(`no classifier sets ${m.attribute}=${m.value} on ${[...objectLabels].join(', ')}`);
      }
      // Only detector labels some classifier looks at can raise this type.
      const classified = new Set(classifiers.flatMap((c) => c.appliesTo));
      const relevant = models
        .map((x) => ({ ...x, labels: x.labels.filter((l) => classified.has(l)) }))
        .filter((x) => x.labels.length > 0);
      for (const c of classifiers) relevant.push({ id: c.id, sha256: c.sha256, kind: 'classifier', labels: [`${c.attribute}=${m.value}`] });
      return { type, analysed: true, models: relevant };
    }
    if (type === 'illegal_parking' && manifest.plateReader) {
      models.push({ id: manifest.plateReader.id, sha256: manifest.plateReader.textRecognizer.sha256, kind: 'plate-reader', labels: ['plate'] });
    }
    return { type, analysed: true, models };
  });
}

/** One line per type, as health output and the demo print it. */
export function describeAnalysis(analysis: TypeAnalysis): string {
  if (!analysis.analysed) return `${analysis.type}: not analysed: no model (${analysis.missing})${analysis.withoutModel ? `; without a model: ${analysis.withoutModel}` : ''}`;
  const by = analysis.models.map((m) => `${m.id} [${m.labels.join(', ')}]`).join('; ');
  return `${analysis.type}: analysed by ${by}`;
}
