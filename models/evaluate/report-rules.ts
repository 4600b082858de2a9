// The rule evaluation as a table a person reads in a terminal: one row per violation type, then
// what happened in each scenario (matched, missed, unexpected, "none of" checks).
import type { ExpectedViolation, RaisedViolation, RuleEvaluation } from './violation-metrics.ts';

export interface ScenarioReport {
  name: string;
  expected: readonly ExpectedViolation[];
  raised: readonly RaisedViolation[];
  /** Wall-clock seconds of the replay, and frames read. */
  seconds: number;
  frames: number;
  framesDetected: number;
}

const num = (v: number, digits = 2) => (Number.isNaN(v) ? '-' : v.toFixed(digits));
const secs = (v: number) => (Number.isNaN(v) ? '-' : `${v.toFixed(1)} s`);
const when = (e: ExpectedViolation) => (e.window ? `within ${e.window.from}–${e.window.to} s` : 'any time');

export function formatRulesTable(evaluation: RuleEvaluation, scenarios: readonly ScenarioReport[]): string {
  const head = ['violation type', 'expected', 'raised', 'TP', 'FP', 'FN', 'precision', 'recall', 'delay mean', 'delay max'];
  const rows = evaluation.perType.map((t) => [
    t.type,
    String(t.expected),
    String(t.raised),
    String(t.truePositives),
    String(t.falsePositives),
    String(t.falseNegatives),
    num(t.precision),
    num(t.recall),
    secs(t.meanDelaySeconds),
    secs(t.maxDelaySeconds),
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c < 1 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  const out = [
    `violations over ${scenarios.length} scenario(s): matched on type and zone, raised inside the expected window, one to one; delay from the window's start`,
    line(head),
    ...rows.map(line),
    '',
  ];
  evaluation.scenarios.forEach((m, k) => {
    const s = scenarios[k]!;
    out.push(`${s.name}: ${s.raised.length} raised, ${m.matches.length}/${s.expected.length} expected found (${s.frames} frames, ${s.framesDetected} detector passes, ${s.seconds.toFixed(1)} s)`);
    for (const match of m.matches) {
      const e = s.expected[match.expected]!;
      const r = s.raised[match.raised]!;
      out.push(`  ok       ${e.type} in ${e.zone} ${when(e)}: raised at ${r.at} s${match.delaySeconds !== undefined ? ` (delay ${match.delaySeconds.toFixed(1)} s)` : ''}${r.label ? `, ${r.label} track ${r.trackId}` : ''}`);
    }
    for (const j of m.missed) {
      const e = s.expected[j]!;
      out.push(`  MISSED   ${e.type} in ${e.zone} ${when(e)}`);
    }
    for (const i of m.unexpected) {
      const r = s.raised[i]!;
      out.push(`  UNEXPECTED ${r.type} in ${r.zone} at ${r.at} s${r.label ? `, ${r.label} track ${r.trackId}` : ''}`);
    }
    for (const c of m.noneChecks) out.push(c.raised === 0 ? `  ok       no ${c.type}` : `  WRONG    ${c.raised} ${c.type} raised where none is expected`);
  });
  return out.join('\n');
}
