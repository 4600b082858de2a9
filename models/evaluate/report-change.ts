// The change evaluation as a table a person reads: one row per pair, then the overall line.
import type { ChangeEvaluation } from './change-metrics.ts';

export function formatChangeTable(e: ChangeEvaluation): string {
  const f = (v: number) => v.toFixed(3);
  const width = Math.max(7, ...e.perPair.map((p) => p.pair.length));
  const rows = [`${'pair'.padEnd(width)}  precision  recall  pixelF1  regions  found  objectRecall  candidates  false`];
  for (const p of e.perPair) {
    rows.push(`${p.pair.padEnd(width)}  ${f(p.precision).padStart(9)}  ${f(p.recall).padStart(6)}  ${f(p.pixelF1).padStart(7)}  ${String(p.regions).padStart(7)}  ${String(p.regionsFound).padStart(5)}  ${f(p.objectRecall).padStart(12)}  ${String(p.candidates).padStart(10)}  ${String(p.falseCandidates).padStart(5)}`);
  }
  rows.push('');
  rows.push(`${e.pairs} pairs: pixel precision ${f(e.precision)}, recall ${f(e.recall)}, pixelF1 ${f(e.pixelF1)}; objectRecall ${f(e.objectRecall)}; falseCandidatesPerPair ${e.falseCandidatesPerPair.toFixed(2)}`);
  return rows.join('\n');
}
