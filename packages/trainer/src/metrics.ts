/** Classification metrics from a confusion matrix: accuracy, per-class precision/recall/F1. */

/**
 * A `numClasses × numClasses` count matrix: `matrix[truth][predicted]`.
 */
export function confusionMatrix(labels: ArrayLike<number>, predictions: ArrayLike<number>, numClasses = 10): number[][] {
  if (labels.length !== predictions.length) {
    throw new RangeError(`confusionMatrix: ${labels.length} labels but ${predictions.length} predictions; pass one prediction per label`);
  }
  const matrix = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < labels.length; i++) {
    const row = matrix[labels[i]!];
    const column = predictions[i]!;
    if (!row || column < 0 || column >= numClasses) {
      throw new RangeError(`confusionMatrix: class ${labels[i]} → ${column} at index ${i} is outside 0..${numClasses - 1}`);
    }
    row[column]! += 1;
  }
  return matrix;
}

/** Precision, recall, F1 and support of one class. */
export interface ClassMetrics {
  label: number;
  precision: number;
  recall: number;
  f1: number;
  /** Examples whose true class is this one. */
  support: number;
}

/** What {@link classificationReport} computes. */
export interface ClassificationReport {
  accuracy: number;
  /** Number of examples. */
  total: number;
  perClass: ClassMetrics[];
  /** Unweighted mean over classes. */
  macro: { precision: number; recall: number; f1: number };
}

/**
 * The report scikit-learn prints, from a confusion matrix. A class never predicted has precision 0
 * (scikit-learn's `zero_division=0`), one never present has recall 0.
 */
export function classificationReport(matrix: readonly (readonly number[])[]): ClassificationReport {
  const size = matrix.length;
  const column = (j: number) => matrix.reduce((sum, row) => sum + (row[j] ?? 0), 0);
  let correct = 0;
  let total = 0;
  const perClass = matrix.map((row, k) => {
    const truePositives = row[k] ?? 0;
    const support = row.reduce((sum, count) => sum + count, 0);
    const predicted = column(k);
    correct += truePositives;
    total += support;
    const precision = predicted === 0 ? 0 : truePositives / predicted;
    const recall = support === 0 ? 0 : truePositives / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { label: k, precision, recall, f1, support };
  });
  const mean = (pick: (c: ClassMetrics) => number) => perClass.reduce((sum, c) => sum + pick(c), 0) / Math.max(1, size);
  return {
    accuracy: total === 0 ? 0 : correct / total,
    total,
    perClass,
    macro: { precision: mean((c) => c.precision), recall: mean((c) => c.recall), f1: mean((c) => c.f1) },
  };
}

/**
 * The report as an aligned text table plus the confusion matrix, for terminals. `labels[k]` names
 * output k (a model's `digitlab.json` labels); without it the class index is shown.
 */
export function formatClassificationReport(report: ClassificationReport, matrix?: readonly (readonly number[])[], { labels }: { labels?: readonly string[] } = {}): string {
  const name = (k: number) => labels?.[k] ?? String(k);
  const pct = (value: number) => (100 * value).toFixed(2).padStart(7);
  const lines = [`class  precision  recall     f1  support`];
  for (const c of report.perClass) lines.push(`${name(c.label).padStart(5)}  ${pct(c.precision)}%  ${pct(c.recall)}% ${pct(c.f1)}%  ${String(c.support).padStart(7)}`);
  lines.push(`macro  ${pct(report.macro.precision)}%  ${pct(report.macro.recall)}% ${pct(report.macro.f1)}%  ${String(report.total).padStart(7)}`);
  lines.push(`accuracy ${(100 * report.accuracy).toFixed(2)}%`);
  if (matrix) {
    const width = Math.max(4, ...matrix.flat().map((n) => String(n).length + 1), ...matrix.map((_, j) => name(j).length + 1));
    lines.push('', `confusion matrix (rows: true class, columns: predicted)`);
    lines.push(`     ${matrix.map((_, j) => name(j).padStart(width)).join('')}`);
    matrix.forEach((row, i) => lines.push(`${name(i).padStart(5)}${row.map((n) => String(n).padStart(width)).join('')}`));
  }
  return lines.join('\n');
}
