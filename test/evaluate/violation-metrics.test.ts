// Matching raised violations to expected ones, with every number worked out by hand.
import { describe, expect, it } from 'vitest';
import { formatRulesTable } from '../../models/evaluate/report-rules.ts';
import { evaluateRules, matchScenario, type ExpectedViolation, type RaisedViolation } from '../../models/evaluate/violation-metrics.ts';

// Scenario "street": two cars expected in the kerb zone between 30 and 60 s, one in the lane at any
// time, one stall on the walkway between 100 and 200 s.
const expected: ExpectedViolation[] = [
  { type: 'illegal_parking', zone: 'kerb', window: { from: 30, to: 60 } }, // e0
  { type: 'illegal_parking', zone: 'kerb', window: { from: 30, to: 60 } }, // e1
  { type: 'illegal_parking', zone: 'lane' }, // e2: any time
  { type: 'street_vending', zone: 'walk', window: { from: 100, to: 200 } }, // e3
];
const raised: RaisedViolation[] = [
  { type: 'illegal_parking', zone: 'kerb', at: 50 }, // r0 → e1 (second in time), delay 20
  { type: 'illegal_parking', zone: 'kerb', at: 35 }, // r1 → e0, delay 5
  { type: 'illegal_parking', zone: 'kerb', at: 70 }, // r2: after both windows closed → FP
  { type: 'illegal_parking', zone: 'lane', at: 10 }, // r3 → e2, any time: no delay
  { type: 'street_vending', zone: 'walk', at: 90 }, // r4: before its window → FP, e3 missed
  { type: 'illegal_parking', zone: 'gate', at: 40 }, // r5: right time, wrong zone → FP
];

describe('matchScenario', () => {
  it('matches on type, zone and window, one to one', () => {
    const m = matchScenario({ scenario: 'street', expected, raised });
    expect(m.matches).toEqual([
      { expected: 0, raised: 1, delaySeconds: 5 },
      { expected: 1, raised: 0, delaySeconds: 20 },
      { expected: 2, raised: 3 },
    ]);
    expect(m.missed).toEqual([3]);
    expect(m.unexpected).toEqual([2, 4, 5]);
  });

  it('gives a raise to the window that closes first, so a later raise still finds the wide one', () => {
    // First-fit would give r0 (10 s) to the wide window and leave r1 (50 s) unmatched.
    const m = matchScenario({
      scenario: 'nested',
      expected: [
        { type: 'illegal_parking', zone: 'kerb', window: { from: 0, to: 100 } },
        { type: 'illegal_parking', zone: 'kerb', window: { from: 0, to: 20 } },
      ],
      raised: [
        { type: 'illegal_parking', zone: 'kerb', at: 10 },
        { type: 'illegal_parking', zone: 'kerb', at: 50 },
      ],
    });
    expect(m.matches).toEqual([
      { expected: 0, raised: 1, delaySeconds: 50 },
      { expected: 1, raised: 0, delaySeconds: 10 },
    ]);
    expect(m.unexpected).toEqual([]);
  });

  it('counts the same vehicle raised twice as one hit and one false positive', () => {
    const m = matchScenario({
      scenario: 'twice',
      expected: [{ type: 'illegal_parking', zone: 'kerb', window: { from: 30, to: 60 } }],
      raised: [
        { type: 'illegal_parking', zone: 'kerb', at: 31 },
        { type: 'illegal_parking', zone: 'kerb', at: 32 },
      ],
    });
    expect(m.matches).toEqual([{ expected: 0, raised: 0, delaySeconds: 1 }]);
    expect(m.unexpected).toEqual([1]);
  });
});

describe('evaluateRules', () => {
  it('gives per-type precision, recall and delay over all scenarios', () => {
    const evaluation = evaluateRules([
      { scenario: 'street', expected, raised },
      // A plaza where nothing may be raised, yet one stall is: a false positive, and the check fails.
      { scenario: 'plaza', expected: [], raised: [{ type: 'street_vending', zone: 'walk', at: 5 }], none: ['street_vending', 'exposed_garbage'] },
    ]);
    const byType = Object.fromEntries(evaluation.perType.map((t) => [t.type, t]));
    expect(Object.keys(byType)).toEqual(['exposed_garbage', 'illegal_parking', 'street_vending']);
    // illegal_parking: raised r0 r1 r2 r3 r5 = 5, expected 3, hits 3 → P 3/5, R 3/3; delays 5 and 20 (e2 has no window).
    expect(byType.illegal_parking).toEqual({
      type: 'illegal_parking',
      expected: 3,
      raised: 5,
      truePositives: 3,
      falsePositives: 2,
      falseNegatives: 0,
      precision: 0.6,
      recall: 1,
      meanDelaySeconds: 12.5,
      maxDelaySeconds: 20,
    });
    // street_vending: raised r4 and the plaza's = 2, none right; expected e3, missed → P 0, R 0.
    expect(byType.street_vending).toMatchObject({ expected: 1, raised: 2, truePositives: 0, falsePositives: 2, falseNegatives: 1, precision: 0, recall: 0 });
    expect(byType.street_vending!.meanDelaySeconds).toBeNaN();
    // exposed_garbage: only named in a "none" check, and none raised: nothing to divide by.
    expect(byType.exposed_garbage).toMatchObject({ expected: 0, raised: 0, falsePositives: 0 });
    expect(byType.exposed_garbage!.precision).toBeNaN();
    expect(byType.exposed_garbage!.recall).toBeNaN();
    expect(evaluation.scenarios[1]!.noneChecks).toEqual([
      { type: 'street_vending', raised: 1 },
      { type: 'exposed_garbage', raised: 0 },
    ]);
  });

  it('prints the table a person reads', () => {
    const outcomes = [{ scenario: 'street', expected, raised }];
    const evaluation = evaluateRules(outcomes);
    const text = formatRulesTable(evaluation, [{ name: 'street', expected, raised, seconds: 1, frames: 10, framesDetected: 5 }]);
    expect(text).toMatch(/^violation type\s+expected\s+raised\s+TP\s+FP\s+FN\s+precision\s+recall\s+delay mean\s+delay max$/m);
    expect(text).toMatch(/^illegal_parking\s+3\s+5\s+3\s+2\s+0\s+0\.60\s+1\.00\s+12\.5 s\s+20\.0 s$/m);
    expect(text).toMatch(/^street_vending\s+1\s+1\s+0\s+1\s+1\s+0\.00\s+0\.00\s+-\s+-$/m);
    expect(text).toContain('MISSED   street_vending in walk within 100–200 s');
    expect(text).toContain('UNEXPECTED illegal_parking in gate at 40 s');
  });
});
