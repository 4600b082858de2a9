// How well a classifier's answers match the truth: accuracy, balanced accuracy (the mean of the
// per-class recalls, so a rare class counts as much as a common one), per-class precision and
// recall, and the confusion matrix (rows: true class, columns: predicted).
export interface ClassMetrics {
  label: string;
  support: number;
  precision: number;
  recall: number;
}

export interface ClassifyMetrics {
  accuracy: number;
  balancedAccuracy: number;
  perClass: ClassMetrics[];
  /** confusion[true][predicted]: counts. */
  confusion: number[][];
  labels: string[];
  count: number;
}

export function classifyMetrics(labels: readonly string[], truth: readonly number[], predicted: readonly number[]): ClassifyMetrics {
  if (truth.length !== predicted.length) throw new RangeError(`${truth.length} true labels for ${predicted.length} predictions`);
  const k = labels.length;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  truth.forEach((t, i) => confusion[t]![predicted[i]!]!++);
  const perClass = labels.map((label, c) => {
    const support = confusion[c]!.reduce((a, b) => a + b, 0);
    const predictedAs = confusion.reduce((a, row) => a + row[c]!, 0);
    const hit = confusion[c]![c]!;
    // 0/0 is "no evidence", reported as NaN (null in JSON) rather than a flattering 1 or a damning 0.
    return { label, support, precision: predictedAs > 0 ? hit / predictedAs : NaN, recall: support > 0 ? hit / support : NaN };
  });
  const present = perClass.filter((c) => c.support > 0);
  const correct = confusion.reduce((a, row, c) => a + row[c]!, 0);
  return {
    accuracy: truth.length > 0 ? correct / truth.length : NaN,
    balancedAccuracy: present.length > 0 ? present.reduce((a, c) => a + c.recall, 0) / present.length : NaN,
    perClass,
    confusion,
    labels: [...labels],
    count: truth.length,
  };
}

export function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[best]!) best = i;
  return best;
}

/** A plain-text report: the two headline figures, per-class table and confusion matrix. */
export function formatMetrics(m: ClassifyMetrics): string {
  const f = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '  -  ');
  const w = Math.max(8, ...m.labels.map((l) => l.length));
  const lines = [
    `crops ${m.count}   accuracy ${f(m.accuracy)}   balanced accuracy ${f(m.balancedAccuracy)}`,
    '',
    `${'class'.padEnd(w)}  support  precision  recall`,
    ...m.perClass.map((c) => `${c.label.padEnd(w)}  ${String(c.support).padStart(7)}  ${f(c.precision).padStart(9)}  ${f(c.recall).padStart(6)}`),
    '',
    `confusion (rows: true, columns: predicted)`,
    `${''.padEnd(w)}  ${m.labels.map((l) => l.slice(0, 6).padStart(6)).join(' ')}`,
    ...m.confusion.map((row, i) => `${m.labels[i]!.padEnd(w)}  ${row.map((v) => String(v).padStart(6)).join(' ')}`),
  ];
  return lines.join('\n');
}
