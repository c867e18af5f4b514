import { describe, expect, it } from 'vitest';
import { classificationReport, confusionMatrix, formatClassificationReport } from './metrics.js';

describe('metrics', () => {
  // 3 classes, 8 examples, worked by hand:
  //   truth: 0 0 0 1 1 2 2 2
  //   pred:  0 0 1 1 2 2 2 0
  const truth = [0, 0, 0, 1, 1, 2, 2, 2];
  const predicted = [0, 0, 1, 1, 2, 2, 2, 0];

  it('counts the confusion matrix as [truth][predicted]', () => {
    expect(confusionMatrix(truth, predicted, 3)).toEqual([
      [2, 1, 0],
      [0, 1, 1],
      [1, 0, 2],
    ]);
  });

  it('derives accuracy, precision, recall and F1 per class', () => {
    const report = classificationReport(confusionMatrix(truth, predicted, 3));
    expect(report.accuracy).toBe(5 / 8);
    expect(report.total).toBe(8);
    // class 0: tp 2, predicted 3, support 3 → p = r = 2/3
    expect(report.perClass[0]).toMatchObject({ label: 0, support: 3 });
    expect(report.perClass[0]!.precision).toBeCloseTo(2 / 3, 12);
    expect(report.perClass[0]!.recall).toBeCloseTo(2 / 3, 12);
    // class 1: tp 1, predicted 2, support 2 → p = r = f1 = 1/2
    expect(report.perClass[1]!.f1).toBeCloseTo(0.5, 12);
    // class 2: tp 2, predicted 3, support 3
    expect(report.perClass[2]!.precision).toBeCloseTo(2 / 3, 12);
    expect(report.macro.recall).toBeCloseTo((2 / 3 + 1 / 2 + 2 / 3) / 3, 12);
  });

  it('gives 0, not NaN, for a class that is never predicted', () => {
    const report = classificationReport(confusionMatrix([0, 1], [0, 0], 2));
    expect(report.perClass[1]).toMatchObject({ precision: 0, recall: 0, f1: 0, support: 1 });
  });

  it('rejects labels outside the classes, naming the index', () => {
    expect(() => confusionMatrix([0, 3], [0, 0], 3)).toThrow(/class 3 → 0 at index 1/);
  });

  it('formats a table with the matrix', () => {
    const matrix = confusionMatrix(truth, predicted, 3);
    const text = formatClassificationReport(classificationReport(matrix), matrix);
    expect(text).toContain('accuracy 62.50%');
    expect(text.split('\n').at(-1)).toMatch(/^\s+2\s+1\s+0\s+2$/);
  });
});
