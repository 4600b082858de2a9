// The verdict model as a correction of the detector score (models/train/verdict-model.ts), on data
// the test makes: a task the score separates and the crop does not (the model must keep to the
// calibrated score and switch the crop part off), a task the crop separates and the score does not
// (the crop part must switch on), the rule for a sighting without a score, and bad input.
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../models/train/crop-augment.ts';
import { scoreLogit } from '../../models/train/verdict-features.ts';
import { sigmoid, trainVerdictModel, verdictLogit, type VerdictExample } from '../../models/train/verdict-model.ts';

function gaussian(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/** n examples of 3 per source; `make` gives score and features for a verdict. */
function made(n: number, seed: number, make: (confirmed: boolean, r: () => number) => { score: number; x: Float32Array }, prefix: string): VerdictExample[] {
  const r = seededRandom(seed);
  return Array.from({ length: n }, (_, i) => {
    const confirmed = r() < 0.65;
    return { ...make(confirmed, r), confirmed, source: `${prefix}-${Math.floor(i / 3)}` };
  });
}

const D = 24;
const noise = (r: () => number) => Float32Array.from({ length: D }, () => gaussian(r));
const bySore = (confirmed: boolean, r: () => number) => ({ score: confirmed ? 0.55 + 0.4 * r() : 0.3 + 0.3 * r(), x: noise(r) });
const byCrop = (confirmed: boolean, r: () => number) => {
  const x = noise(r);
  x[3]! += confirmed ? 1.5 : -1.5;
  x[7]! += confirmed ? -1 : 1;
  return { score: 0.3 + 0.6 * r(), x };
};

function balancedAccuracy(examples: readonly VerdictExample[], p: (e: VerdictExample) => number): number {
  const recall = (c: boolean) => {
    const mine = examples.filter((e) => e.confirmed === c);
    return mine.filter((e) => p(e) >= 0.5 === c).length / mine.length;
  };
  return (recall(true) + recall(false)) / 2;
}

/** Share of (confirmed, rejected) pairs ranked the right way round. */
function rankingAuc(examples: readonly VerdictExample[], p: (e: VerdictExample) => number): number {
  const pos = examples.filter((e) => e.confirmed).map(p);
  const neg = examples.filter((e) => !e.confirmed).map(p);
  let right = 0;
  for (const a of pos) for (const b of neg) right += a > b ? 1 : a === b ? 0.5 : 0;
  return right / (pos.length * neg.length);
}

describe('verdict model: the detector score corrected by the crop', () => {
  it('keeps to the calibrated score when only the score separates the verdicts', () => {
    const model = trainVerdictModel(made(240, 1, bySore, 'train'));
    const test = made(150, 2, bySore, 'test');
    const p = (e: VerdictExample) => sigmoid(verdictLogit(model, e.x, e.score));
    expect(model.cropWeightDecay).toBe(Infinity);
    expect(model.validation[0]!.weightDecay).toBe(Infinity);
    expect(model.prior.a).toBeGreaterThan(1);
    expect(Math.max(...model.head.weights.map(Math.abs))).toBe(0);
    expect(balancedAccuracy(test, p)).toBeGreaterThan(0.95);
    // Crop off: ranking by the model is ranking by the detector score.
    expect(rankingAuc(test, p)).toBeCloseTo(rankingAuc(test, (e) => e.score), 10);
  });

  it('switches the crop part on when the crop separates the verdicts and the score does not', () => {
    const model = trainVerdictModel(made(240, 3, byCrop, 'train'));
    const test = made(150, 4, byCrop, 'test');
    const p = (e: VerdictExample) => sigmoid(verdictLogit(model, e.x, e.score));
    expect(model.cropWeightDecay).toBeLessThan(Infinity);
    expect(model.iterations).toBeGreaterThan(0);
    expect(balancedAccuracy(test, p)).toBeGreaterThan(0.9);
    expect(rankingAuc(test, p)).toBeGreaterThan(0.95);
    expect(rankingAuc(test, (e) => e.score)).toBeLessThan(0.65);
    // The score's weight stays small: it carries nothing here.
    expect(Math.abs(model.prior.a)).toBeLessThan(1);
  });

  it('learns both when score and crop each tell part of it', () => {
    const both = (confirmed: boolean, r: () => number) => ({ score: confirmed ? 0.45 + 0.5 * r() : 0.3 + 0.4 * r(), x: byCrop(confirmed, r).x.map((v, j) => (j === 3 ? v / 2 : v)) });
    const model = trainVerdictModel(made(300, 5, both, 'train'));
    const test = made(200, 6, both, 'test');
    const p = (e: VerdictExample) => sigmoid(verdictLogit(model, e.x, e.score));
    expect(model.prior.a).toBeGreaterThan(0.5);
    expect(model.cropWeightDecay).toBeLessThan(Infinity);
    expect(rankingAuc(test, p)).toBeGreaterThan(rankingAuc(test, (e) => e.score) + 0.05);
  });

  it('judges a sighting without a detector score by the crop head alone: as if its score were the training average', () => {
    const train = made(240, 3, byCrop, 'train');
    const model = trainVerdictModel(train);
    const average = sigmoid(train.reduce((n, e) => n + scoreLogit(e.score), 0) / train.length);
    for (const e of made(5, 7, byCrop, 'test')) {
      expect(verdictLogit(model, e.x, undefined)).toBeCloseTo(verdictLogit(model, e.x, average), 4);
    }
  });

  it('gives the same model whether the crops’ inner products are kept in memory or recomputed (many crops)', () => {
    const train = made(120, 10, byCrop, 'train');
    const kept = trainVerdictModel(train);
    const recomputed = trainVerdictModel(train, { gramLimit: 0 });
    expect(recomputed.cropWeightDecay).toBe(kept.cropWeightDecay);
    expect(recomputed.prior.a).toBeCloseTo(kept.prior.a, 6);
    recomputed.head.weights.forEach((w, j) => expect(w).toBeCloseTo(kept.head.weights[j]!, 5));
  });

  it('refuses bad input with an error naming the problem', () => {
    const good = made(60, 8, bySore, 'train');
    expect(() => trainVerdictModel([])).toThrow(/no reviewed crops/);
    expect(() => trainVerdictModel(good.map((e) => ({ ...e, confirmed: true })))).toThrow(/both confirmed and rejected/);
    expect(() => trainVerdictModel([...good, { ...good[0]!, score: NaN, source: 'cam-9' }])).toThrow(/detector score NaN of a crop from cam-9 is not a number from 0 to 1/);
    expect(() => trainVerdictModel([...good, { ...good[0]!, score: 1.5 }])).toThrow(/detector score 1.5/);
    expect(() => trainVerdictModel([...good, { ...good[0]!, x: new Float32Array(3), source: 'cam-7' }])).toThrow(/cam-7 have 3 dimensions, others 24/);
  });

  it('with a handful of reviewed cases (two of each verdict), validates the crop part case by case and switches it on when the crop separates them', () => {
    // A pilot's first reviews: four cases of three crops each, the crop telling the verdicts apart, the score not.
    const r = seededRandom(11);
    const cases = (confirmed: boolean, names: string[]) => names.flatMap((source) => Array.from({ length: 3 }, () => ({ ...byCrop(confirmed, r), confirmed, source })));
    const few = [...cases(true, ['case-1', 'case-4']), ...cases(false, ['case-2', 'case-3'])];
    const log: string[] = [];
    const model = trainVerdictModel(few, { progress: (l) => log.push(l) });
    // Left out one case at a time, every fold's training side keeps both verdicts: four folds, none skipped.
    expect(model.validationFolds).toBe(4);
    expect(model.cropWeightDecay).toBeLessThan(Infinity);
    const test = made(90, 12, byCrop, 'test');
    expect(balancedAccuracy(test, (e) => sigmoid(verdictLogit(model, e.x, e.score)))).toBeGreaterThan(0.8);
    expect(log.join('\n')).toMatch(/crop part on, weight decay/);
  });

  it('with too few sources to validate the crop part on, is the calibrated score, and says so', () => {
    const log: string[] = [];
    // One source: every validation fold leaves the training side empty.
    const one = made(12, 9, byCrop, 'x').map((e, i) => ({ ...e, confirmed: i % 2 === 0, source: 'one' }));
    const model = trainVerdictModel(one, { progress: (l) => log.push(l) });
    expect(model.cropWeightDecay).toBe(Infinity);
    expect(model.validation).toEqual([]);
    expect(Math.max(...model.head.weights.map(Math.abs))).toBe(0);
    expect(log.join('\n')).toMatch(/too few sources to validate the crop part on .*: the model is the calibrated detector score/);
  });
});
