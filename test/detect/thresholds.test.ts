import { describe, expect, it } from 'vitest';
import { parseThresholdArgs, thresholdsByClass, ThresholdError } from '../../pipeline/detect/thresholds.ts';

describe('score thresholds', () => {
  it('sets the default and single labels from command-line words', () => {
    expect(parseThresholdArgs(['0.5', 'person=0.6', 'traffic light=0.2'])).toEqual({
      default: 0.5,
      perLabel: { person: 0.6, 'traffic light': 0.2 },
    });
  });

  it('maps thresholds onto class indices of a model', () => {
    const byClass = thresholdsByClass({ default: 0.3, perLabel: { car: 0.7 } }, ['person', 'car', 'bus'], 'm');
    expect(Array.from(byClass).map((v) => Number(v.toFixed(2)))).toEqual([0.3, 0.7, 0.3]);
  });

  it('refuses a label the model does not have, naming label and model', () => {
    expect(() => thresholdsByClass({ default: 0.3, perLabel: { stall: 0.5 } }, ['person'], 'nanodet')).toThrow(
      /threshold for "stall": model nanodet has no such label/,
    );
  });

  it.each([['1.5'], ['car=-0.1'], ['car=abc'], ['=0.4'], ['']])('refuses "%s"', (arg) => {
    expect(() => parseThresholdArgs([arg])).toThrow(ThresholdError);
  });
});
