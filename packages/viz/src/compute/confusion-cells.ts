/** A confusion matrix that remembers which examples fall in each cell. */
import { VizError } from '../errors.js';

/** `indices[truth][predicted]`: positions of the examples of class `truth` predicted as `predicted`. */
export interface ConfusionCells {
  classes: number;
  /** `counts[truth][predicted]` (the lengths of `indices`). */
  counts: number[][];
  indices: number[][][];
}

/** Groups example positions by (true class, predicted class). */
export function confusionCells(labels: ArrayLike<number>, predicted: ArrayLike<number>, classes = 10): ConfusionCells {
  if (labels.length !== predicted.length) throw new VizError(`confusionCells: ${labels.length} labels but ${predicted.length} predictions; pass one prediction per label`);
  const indices = Array.from({ length: classes }, () => Array.from({ length: classes }, () => [] as number[]));
  for (let i = 0; i < labels.length; i++) {
    const cell = indices[labels[i]!]?.[predicted[i]!];
    if (!cell) throw new VizError(`confusionCells: class ${labels[i]} → ${predicted[i]} at index ${i} is outside 0..${classes - 1}`);
    cell.push(i);
  }
  return { classes, counts: indices.map((row) => row.map((cell) => cell.length)), indices };
}
