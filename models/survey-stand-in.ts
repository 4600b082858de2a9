// Which detectors drone surveys run in place of others: an entry with `surveyStandInFor` (the int8
// version of the default detector names the fp32 one) replaces it in surveys where int8 is exact on
// this CPU, and only while the replaced detector is enabled. Said in words either way, for the log.
import type { Int8Check } from './int8-exact.ts';
import type { ModelEntry } from './manifest.ts';

export interface SurveyStandIns {
  /** stand-in → the detector it replaces, for those that run here. */
  running: Map<ModelEntry, ModelEntry>;
  /** One line per declared stand-in: what surveys run, and why. */
  said: string[];
}

export function surveyStandIns(models: readonly ModelEntry[], int8: Int8Check): SurveyStandIns {
  const running = new Map<ModelEntry, ModelEntry>();
  const said: string[] = [];
  for (const s of models.filter((e) => e.surveyStandInFor !== undefined)) {
    const replaced = models.find((e) => e.id === s.surveyStandInFor);
    if (!replaced || replaced.enabled === false) continue;
    if (int8.exact) running.set(s, replaced);
    said.push(int8.exact ? `surveys run ${s.id} in place of ${replaced.id}: ${int8.why}` : `surveys stay on ${replaced.id}, not ${s.id}: ${int8.why}`);
  }
  return { running, said };
}

/** The detector a survey runs for `model`: its stand-in where one runs here, else itself. */
export function surveyModel(model: ModelEntry, models: readonly ModelEntry[], int8: Int8Check): ModelEntry {
  for (const [standIn, replaced] of surveyStandIns(models, int8).running) if (replaced === model) return standIn;
  return model;
}
