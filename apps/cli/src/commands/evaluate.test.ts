import { describe, expect, it } from 'vitest';
import { formatMembers, formatMisclassified } from './evaluate.js';

describe('evaluate: the list of mistakes', () => {
  const mistake = (index: number, probability: number) => ({ index, label: 4, predicted: 9, probability, labelProbability: 1 - probability });

  it('shows the most confident mistakes first and says how many it left out', () => {
    const text = formatMisclassified([mistake(10, 0.6), mistake(20, 0.99), mistake(30, 0.8)], 2);
    expect(text.split('\n').filter((line) => line.startsWith('  '))).toEqual(['  20: 4 → 9 (0.990)', '  30: 4 → 9 (0.800)', '  ... and 1 more; --json lists all 3']);
  });

  it('prints nothing when there is no mistake, and no "more" line when all fit', () => {
    expect(formatMisclassified([])).toBe('');
    expect(formatMisclassified([mistake(1, 0.7)])).not.toContain('more');
  });
});

describe('evaluate: an ensemble beside its members', () => {
  const evaluation = (accuracy: number, wrong: number[]) => ({
    accuracy,
    loss: 0.01,
    size: 10_000,
    confusionMatrix: [],
    report: { accuracy, total: 10_000, perClass: [], macro: { precision: 0, recall: 0, f1: 0 } },
    misclassified: wrong.map((index) => ({ index, label: 4, predicted: 9, probability: 0.9, labelProbability: 0.1 })),
  });

  it('prints one line per member, the ensemble, and the test indices every member gets wrong', () => {
    const result = { ...evaluation(0.9997, [7]), members: [evaluation(0.9996, [7, 8, 9, 10]), evaluation(0.9995, [7, 11, 12, 13, 14])], wrongInEveryMember: [7] };
    const lines = formatMembers(result, ['runs/a/model', 'runs/b/model']).trimEnd().split('\n');
    expect(lines).toEqual([
      '   99.96%      4 wrong  loss 0.0100  runs/a/model',
      '   99.95%      5 wrong  loss 0.0100  runs/b/model',
      '   99.97%      1 wrong  loss 0.0100  ensemble (mean of the probabilities)',
      '  wrong in every member: 1 (test indices 7)',
    ]);
  });
});
