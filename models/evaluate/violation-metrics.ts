// Rule evaluation: violations the camera pipeline raised, matched to the ones a person expected.
// A raised violation matches an expected one of the same type and zone when it was raised inside
// the expected time window; each is matched at most once. Per violation type this gives precision
// (raised that were expected), recall (expected that were raised) and the delay from the window's
// start to the raise. Pure, so the tests work the numbers out by hand.
import type { ViolationType } from '../../contracts/types.ts';

export interface ExpectedViolation {
  type: ViolationType;
  zone: string;
  /** Seconds from the scenario's start; undefined = any time. `to` may be Infinity. */
  window?: { from: number; to: number };
}

export interface RaisedViolation {
  type: ViolationType;
  zone: string;
  /** Seconds from the scenario's start when the pipeline raised it. */
  at: number;
  trackId?: number;
  label?: string;
  /** Why the rule judged it (illegal_parking: "same vehicle, similarity 0.93, still from …"). */
  reason?: string;
}

export interface ScenarioOutcome {
  scenario: string;
  expected: readonly ExpectedViolation[];
  raised: readonly RaisedViolation[];
  /** "None of type X" checks: any raised violation of these types is wrong. */
  none?: readonly ViolationType[];
}

export interface Match {
  expected: number;
  raised: number;
  /** Seconds from the window's start to the raise; undefined for "any time". */
  delaySeconds?: number;
}

export interface ScenarioMatching {
  scenario: string;
  matches: Match[];
  /** Indexes of expected violations nothing matched. */
  missed: number[];
  /** Indexes of raised violations nobody expected. */
  unexpected: number[];
  /** "None of type X" checks and how many of X were raised. */
  noneChecks: Array<{ type: ViolationType; raised: number }>;
}

export interface TypeMetrics {
  type: ViolationType;
  expected: number;
  raised: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  /** NaN when nothing of the type was raised. */
  precision: number;
  /** NaN when nothing of the type was expected. */
  recall: number;
  /** Over matches with a time window; NaN when there are none. */
  meanDelaySeconds: number;
  maxDelaySeconds: number;
}

export interface RuleEvaluation {
  perType: TypeMetrics[];
  scenarios: ScenarioMatching[];
}

const inside = (e: ExpectedViolation, at: number) => !e.window || (at >= e.window.from && at <= e.window.to);

/**
 * One-to-one matching inside one scenario. Raised violations are taken in time order, each to the
 * open expected window (same type and zone) that closes first, "any time" ones last: for points
 * and intervals this greedy choice gives the largest number of matches.
 */
export function matchScenario(outcome: ScenarioOutcome): ScenarioMatching {
  const taken = new Set<number>();
  const matches: Match[] = [];
  const unexpected: number[] = [];
  const order = outcome.raised.map((r, i) => ({ r, i })).sort((a, b) => a.r.at - b.r.at || a.i - b.i);
  for (const { r, i } of order) {
    let best: number | undefined;
    for (const [j, e] of outcome.expected.entries()) {
      if (taken.has(j) || e.type !== r.type || e.zone !== r.zone || !inside(e, r.at)) continue;
      const end = e.window?.to ?? Infinity;
      if (best === undefined || end < (outcome.expected[best]!.window?.to ?? Infinity)) best = j;
    }
    if (best === undefined) {
      unexpected.push(i);
      continue;
    }
    taken.add(best);
    const w = outcome.expected[best]!.window;
    matches.push({ expected: best, raised: i, ...(w ? { delaySeconds: r.at - w.from } : {}) });
  }
  matches.sort((a, b) => a.expected - b.expected);
  const missed = outcome.expected.map((_, j) => j).filter((j) => !taken.has(j));
  const noneChecks = (outcome.none ?? []).map((type) => ({ type, raised: outcome.raised.filter((r) => r.type === type).length }));
  return { scenario: outcome.scenario, matches, missed, unexpected: unexpected.sort((a, b) => a - b), noneChecks };
}

/**
 * Per type over all scenarios. Every raised violation counts: one nobody expected is a false
 * positive, whether or not its scenario said "none of" its type.
 */
export function evaluateRules(outcomes: readonly ScenarioOutcome[]): RuleEvaluation {
  const scenarios = outcomes.map(matchScenario);
  const types = [...new Set(outcomes.flatMap((o) => [...o.expected.map((e) => e.type), ...o.raised.map((r) => r.type), ...(o.none ?? [])]))].sort();
  const perType = types.map((type): TypeMetrics => {
    let expected = 0;
    let raised = 0;
    let tp = 0;
    const delays: number[] = [];
    outcomes.forEach((o, k) => {
      expected += o.expected.filter((e) => e.type === type).length;
      raised += o.raised.filter((r) => r.type === type).length;
      for (const m of scenarios[k]!.matches) {
        if (o.expected[m.expected]!.type !== type) continue;
        tp++;
        if (m.delaySeconds !== undefined) delays.push(m.delaySeconds);
      }
    });
    return {
      type,
      expected,
      raised,
      truePositives: tp,
      falsePositives: raised - tp,
      falseNegatives: expected - tp,
      precision: raised === 0 ? Number.NaN : tp / raised,
      recall: expected === 0 ? Number.NaN : tp / expected,
      meanDelaySeconds: delays.length ? delays.reduce((a, b) => a + b, 0) / delays.length : Number.NaN,
      maxDelaySeconds: delays.length ? Math.max(...delays) : Number.NaN,
    };
  });
  return { perType, scenarios };
}
