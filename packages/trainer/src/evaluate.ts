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
  const labels: number[] = [];
  const predictions: number[] = [];
  const misclassified: Misclassified[] = [];
  let lossSum = 0;
  for (const batch of batches) {
    try {
      const outputs = tf.tidy(() => {
        const output = predictor.predict(batch.xs);
        const logits = Array.isArray(output) ? output[0]! : output;
        const classes = batch.ys.rank === 1 ? tf.cast(batch.ys, 'int32') : tf.argMax(batch.ys, -1);
        return [tf.mul(softmaxCrossEntropy(logits, batch.ys), batch.size), tf.argMax(logits, -1), classes, tf.softmax(logits)] as const;
      });
      const [batchLoss, predicted, truth, probabilities] = outputs;
      lossSum += batchLoss.dataSync()[0]!;
      const predictedValues = predicted.dataSync();
      const truthValues = truth.dataSync();
      const offset = labels.length;
      const width = probabilities.shape[1]!;
      let rows: ArrayLike<number> | undefined; // read only for batches with a mistake
      for (let i = 0; i < predictedValues.length; i++) {
        const label = truthValues[i]!;
        const guess = predictedValues[i]!;
        if (label === guess) continue;
        rows ??= probabilities.dataSync();
        misclassified.push({ index: offset + i, label, predicted: guess, probability: rows[i * width + guess]!, labelProbability: rows[i * width + label]! });
      }
      predictions.push(...predictedValues);
      labels.push(...truthValues);
      tf.dispose(outputs);
    } finally {
      tf.dispose([batch.xs, batch.ys]);
    }
  }
  const matrix = confusionMatrix(labels, predictions, numClasses);
  const report = classificationReport(matrix);
  return { loss: labels.length === 0 ? NaN : lossSum / labels.length, accuracy: report.accuracy, confusionMatrix: matrix, report, size: labels.length, misclassified };
}
