// Per-label score thresholds. A city tunes these per camera network (a strict threshold for
// `person` keeps walkers out of vending rules, a loose one for `truck` catches more muck trucks),
// so they are configuration, never constants in the rules.

export interface ScoreThresholds {
  /** Applies to every label without its own entry. */
  default: number;
  perLabel?: Record<string, number>;
}

export const DEFAULT_THRESHOLDS: ScoreThresholds = { default: 0.35 };

export class ThresholdError extends Error {
  override name = 'ThresholdError';
}

/** One threshold per class index of a model, checked against the model's labels. */
export function thresholdsByClass(thresholds: ScoreThresholds, labels: readonly string[], modelId: string): Float32Array {
  checkScore(thresholds.default, 'default');
  const byClass = new Float32Array(labels.length).fill(thresholds.default);
  for (const [label, score] of Object.entries(thresholds.perLabel ?? {})) {
    checkScore(score, label);
    const index = labels.indexOf(label);
    if (index < 0) {
      throw new ThresholdError(`score threshold for "${label}": model ${modelId} has no such label`);
    }
    byClass[index] = score;
  }
  return byClass;
}

/** Parses command-line thresholds: "0.4" sets the default, "person=0.5" one label. */
export function parseThresholdArgs(args: readonly string[], base: ScoreThresholds = DEFAULT_THRESHOLDS): ScoreThresholds {
  const result: ScoreThresholds = { default: base.default, perLabel: { ...base.perLabel } };
  for (const arg of args) {
    const eq = arg.lastIndexOf('=');
    const label = eq < 0 ? undefined : arg.slice(0, eq).trim();
    const text = (eq < 0 ? arg : arg.slice(eq + 1)).trim();
    // Number('') is 0, which would silently turn a typo into "detect everything".
    const value = text === '' ? Number.NaN : Number(text);
    if (eq >= 0 && !label) throw new ThresholdError(`threshold "${arg}": label before "=" is empty`);
    checkScore(value, label ?? 'default', arg);
    if (label) result.perLabel![label] = value;
    else result.default = value;
  }
  return result;
}

function checkScore(value: number, what: string, raw?: string): void {
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    throw new ThresholdError(`score threshold for ${what}${raw ? ` ("${raw}")` : ''} must be a number from 0 to 1`);
  }
}
