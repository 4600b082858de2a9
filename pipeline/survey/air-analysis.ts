// What a survey can and cannot find, said plainly in its report: the detector that ran and whether
// it is an aerial model, and per violation type whether it was analysed from the air and why not.
// "No cases" must never be read as "no violations" when nothing looked for them.
import type { DetectorStatement, SurveyZones, TypeFromAir } from '../../contracts/survey.ts';
import type { TypeAnalysis } from '../../models/analysable.ts';
import type { ModelEntry } from '../../models/manifest.ts';
import type { ViolationLabels } from '../../models/violation-labels.ts';
import type { LabelAllowList } from './label-allow-list.ts';

export function detectorStatement(detectors: readonly ModelEntry[], aerialModels: readonly string[], allow: LabelAllowList, overlap: number): DetectorStatement {
  const models = detectors.map((d) => ({ id: d.id, version: d.version, sha256: d.sha256 }));
  const allowed = Object.entries(allow).map(([l, s]) => `${l} ≥ ${s}`).join(', ') || 'none';
  if (detectors.length === 0) return { models, aerial: false, statement: 'no detector is enabled in the manifest: nothing was detected', allowedLabels: allow };
  const ran = detectors.map((d) => `${d.id} v${d.version} (sha256 ${d.sha256.slice(0, 12)}…)`).join(', ');
  const gsds = detectors.filter((d) => d.input.gsdCm !== undefined).map((d) => `${d.id} ${d.input.gsdCm} cm/px`);
  const shrunk = gsds.length ? `, each photo whose telemetry gives a finer ground sample distance first shrunk to the one the model suits (${gsds.join(', ')})` : '';
  const how = `tiled at the model's input size with ${Math.round(overlap * 100)}% overlap${shrunk}, plus one whole-image pass`;
  // Aerial: named in SURVEY_AERIAL_MODELS, or a promoted aerial-detector version (its entry says so).
  const ground = detectors.filter((d) => !aerialModels.includes(d.id) && d.aerial !== true);
  if (ground.length === 0) {
    return { models, aerial: true, statement: `Detector ${ran} ran, ${how}. It is declared an aerial model (SURVEY_AERIAL_MODELS or a promoted aerial-detector version). Labels that may raise cases from the air: ${allowed}.`, allowedLabels: allow };
  }
  const why = ground
    .map((d) => (d.labels.includes('toilet') && d.labels.length === 80 ? `${d.id} is a COCO detector, trained on ground-level photos` : `${d.id} is not declared an aerial model`))
    .join('; ');
  return {
    models,
    aerial: false,
    statement:
      `Detector ${ran} ran, ${how}. This is NOT an aerial model: ${why}. From the air it finds few of the vehicles and reports nonsense labels (toilet, refrigerator), ` +
      `so only these labels may raise cases from a survey: ${allowed}; everything else is listed per image but never becomes a case. ` +
      'Few or no cases from this survey does not mean few violations: promote a fine-tuned aerial-detector version (models page, or npm run models -- promote), or declare an aerial model in the manifest and name it in SURVEY_AERIAL_MODELS (models/README.md).',
    allowedLabels: allow,
  };
}

export interface AirPlan {
  analysis: TypeFromAir[];
  parking: boolean;
  vending: boolean;
  construction: boolean;
}

export function planAirAnalysis(analysable: readonly TypeAnalysis[], mapping: ViolationLabels, allow: LabelAllowList, zones: SurveyZones): AirPlan {
  const base = new Map(analysable.map((a) => [a.type, a]));
  const allowedOf = (labels: readonly string[]) => labels.filter((l) => allow[l] !== undefined);
  const noModel = (t: TypeAnalysis) => `not analysed: no model (${t.missing ?? 'no detector for it'})`;
  const by = (t: TypeAnalysis) => t.models.map((m) => `${m.id} [${m.labels.join(', ')}]`).join('; ');
  const result: AirPlan = { analysis: [], parking: false, vending: false, construction: false };

  const judge = (type: TypeFromAir['type'], zoneLayer: keyof SurveyZones | undefined, zoneWords: string, extraRequired: readonly string[] = []): boolean => {
    const t = base.get(type)!;
    const labels = mapping.types[type]?.labels ?? [];
    const push = (analysed: boolean, detail: string) => result.analysis.push({ type, analysed, detail });
    if (!t.analysed) return push(false, noModel(t)), false;
    const allowed = allowedOf(t.models.flatMap((m) => m.labels));
    if (allowed.length === 0) {
      return push(false, `not analysed from the air: its labels (${labels.join(', ')}) are not on the survey label allow-list, because the detector that finds them is not an aerial model`), false;
    }
    const missing = extraRequired.filter((l) => allow[l] === undefined);
    if (missing.length) return push(false, `not analysed from the air: it also needs ${missing.join(', ')}, not on the survey label allow-list`), false;
    if (zoneLayer && !hasAreas(zones[zoneLayer])) return push(false, `not analysed: the survey has no ${zoneWords} (PUT /v1/surveys/{id}/zones)`), false;
    push(true, `analysed by ${by(t)}; from the air: ${allowed.join(', ')}${zoneLayer ? ` inside the survey's ${zoneWords}` : ''}`);
    return true;
  };
  result.parking = judge('illegal_parking', 'noParking', 'no-parking areas');
  result.vending = judge('street_vending', 'sidewalks', 'sidewalk/road areas', mapping.types.street_vending?.requiresLabels ?? []);
  result.construction = judge('illegal_construction', 'permittedBuildings', 'permitted-building registry');
  for (const type of ['exposed_garbage', 'uncovered_muck_truck'] as const) {
    const t = base.get(type)!;
    result.analysis.push({
      type,
      analysed: false,
      detail: t.analysed ? 'not analysed from the air: surveys have no rule for it; camera streams judge it' : noModel(t),
    });
  }
  return result;
}

function hasAreas(layer: SurveyZones[keyof SurveyZones]): boolean {
  if (!layer) return false;
  return layer.type !== 'FeatureCollection' || layer.features.length > 0;
}
