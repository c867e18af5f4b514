/** Evaluation of any predictor (a model or an ensemble) over batches: loss, accuracy, report. */
import * as tf from '@tensorflow/tfjs-core';
import { softmaxCrossEntropy } from './loss.js';
import { classificationReport, confusionMatrix, type ClassificationReport } from './metrics.js';
import type { Batch } from './train-step.js';

/**
 * Anything that maps a batch of images to logits `[n, K]` in inference mode — a tfjs
 * LayersModel, or an ensemble from `createEnsemble` (whose "logits" are log-probabilities).
 */
export interface Predictor {
  predict(x: tf.Tensor): tf.Tensor | tf.Tensor[];
}

/** Options of {@link evaluate}. */
export interface EvaluateOptions {
  /** Number of classes; default 10. */
  numClasses?: number;
}

/** The result of {@link evaluate}. */
export interface Evaluation {
  /** Mean softmax cross-entropy. */
  loss: number;
  accuracy: number;
  /** `confusionMatrix[truth][predicted]`. */
  confusionMatrix: number[][];
  report: ClassificationReport;
  /** Number of examples evaluated. */
  size: number;
  /**
   * Every example the predictor got wrong, in the order the batches gave them: its position in
   * that order, the true and the predicted class, and the softmax probability of each.
   */
  misclassified: Misclassified[];
}

/** One wrong prediction of {@link evaluate}. */
export interface Misclassified {
  /** Position of the example in the evaluated batches (for an unshuffled dataset, its index). */
  index: number;
  label: number;
  predicted: number;
  /** Softmax probability of the predicted class. */
  probability: number;
  /** Softmax probability of the true class. */
  labelProbability: number;
}

/**
 * Runs `predictor` over every batch (disposing each batch after use) and measures loss, accuracy,
 * per-class precision/recall/F1 and the confusion matrix.
 */
export function evaluate(predictor: Predictor, batches: Iterable<Batch>, { numClasses = 10 }: EvaluateOptions = {}): Evaluation {
  const tally = new EvaluationTally(numClasses);
  for (const batch of batches) {
    try {
      tf.tidy(() => tally.add(firstOutput(predictor.predict(batch.xs)), batch.ys));
    } finally {
      tf.dispose([batch.xs, batch.ys]);
    }
  }
  return tally.result();
}

/** The first output of a multi-output model, or the only one. */
export function firstOutput(output: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(output) ? output[0]! : output;
}

/**
 * Loss, predictions, mistakes and labels of batch after batch of logits: what {@link evaluate}
 * reports, accumulated so that an ensemble's members and their mean can be scored in one pass.
 */
export class EvaluationTally {
  private readonly labels: number[] = [];
  private readonly predictions: number[] = [];
  private readonly misclassified: Misclassified[] = [];
  private lossSum = 0;

  constructor(private readonly numClasses: number) {}

  /** Scores one batch: `logits` [n, K] against `ys` (integer classes [n] or one-hot [n, K]). Disposes nothing it was given. */
  add(logits: tf.Tensor, ys: tf.Tensor): void {
    const n = logits.shape[0]!;
    const outputs = tf.tidy(() => {
      const classes = ys.rank === 1 ? tf.cast(ys, 'int32') : tf.argMax(ys, -1);
      return [tf.mul(softmaxCrossEntropy(logits, ys), n), tf.argMax(logits, -1), classes, tf.softmax(logits)] as const;
    });
    try {
      const [batchLoss, predicted, truth, probabilities] = outputs;
      this.lossSum += batchLoss.dataSync()[0]!;
      const predictedValues = predicted.dataSync();
      const truthValues = truth.dataSync();
      const offset = this.labels.length;
      const width = probabilities.shape[1]!;
      let rows: ArrayLike<number> | undefined; // read only for batches with a mistake
      for (let i = 0; i < predictedValues.length; i++) {
        const label = truthValues[i]!;
        const guess = predictedValues[i]!;
        if (label === guess) continue;
        rows ??= probabilities.dataSync();
        this.misclassified.push({ index: offset + i, label, predicted: guess, probability: rows[i * width + guess]!, labelProbability: rows[i * width + label]! });
      }
      this.predictions.push(...predictedValues);
      this.labels.push(...truthValues);
    } finally {
      tf.dispose(outputs);
    }
  }

  result(): Evaluation {
    const matrix = confusionMatrix(this.labels, this.predictions, this.numClasses);
    const report = classificationReport(matrix);
    const size = this.labels.length;
    return { loss: size === 0 ? NaN : this.lossSum / size, accuracy: report.accuracy, confusionMatrix: matrix, report, size, misclassified: [...this.misclassified] };
  }
}
