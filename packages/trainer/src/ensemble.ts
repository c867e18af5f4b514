import * as tf from '@tensorflow/tfjs-core';
import { TrainerOptionError } from './errors.js';
import { EvaluationTally, firstOutput, type EvaluateOptions, type Evaluation, type Predictor } from './evaluate.js';
import type { Batch } from './train-step.js';

/**
 * An ensemble that averages the members' softmax probabilities: `p = (1/M)·Σ_m softmax(f_m(x))`.
 * Its `predict` returns `log p`, which are valid logits (`softmax(log p) = p`), so an ensemble is
 * evaluated, saved in reports and used for prediction exactly like one model.
 */
export function createEnsemble(members: readonly Predictor[]): Predictor & { readonly members: readonly Predictor[] } {
  requireMembers(members, 'createEnsemble');
  return {
    members,
    predict: (x: tf.Tensor): tf.Tensor => tf.tidy(() => meanProbabilityLogits(members.map((member) => firstOutput(member.predict(x))))),
  };
}

/** `log((1/M)·Σ_m softmax(z_m))` of the members' logits: the ensemble's logits. */
function meanProbabilityLogits(logits: readonly tf.Tensor[]): tf.Tensor {
  return tf.tidy(() => {
    const probabilities = logits.map((z) => tf.softmax(z));
    // Clamp before the log so a member certain to be wrong yields a large finite loss, not Infinity.
    return tf.log(tf.clipByValue(tf.div(tf.addN(probabilities), logits.length), 1e-12, 1));
  });
}

/** The result of {@link evaluateEnsemble}: the ensemble's evaluation, each member's, and where they all fail. */
export interface EnsembleEvaluation extends Evaluation {
  /** Each member evaluated alone on the same batches, in the order given. */
  members: Evaluation[];
  /**
   * Positions (in batch order) of the examples every member gets wrong: the mistakes the members
   * share. Averaging seldom fixes these (it can, when members disagree on the wrong class and the
   * true one comes second in each); more members that fail elsewhere do not touch them.
   */
  wrongInEveryMember: number[];
}

/**
 * Evaluates the ensemble of `members` (mean of softmax probabilities, as {@link createEnsemble})
 * and every member alone, in one pass: each member predicts each batch once. Shows whether the
 * ensemble beats its best member and which mistakes the members share.
 */
export function evaluateEnsemble(members: readonly Predictor[], batches: Iterable<Batch>, { numClasses = 10 }: EvaluateOptions = {}): EnsembleEvaluation {
  requireMembers(members, 'evaluateEnsemble');
  const ensemble = new EvaluationTally(numClasses);
  const alone = members.map(() => new EvaluationTally(numClasses));
  for (const batch of batches) {
    try {
      tf.tidy(() => {
        const logits = members.map((member) => firstOutput(member.predict(batch.xs)));
        logits.forEach((z, m) => alone[m]!.add(z, batch.ys));
        ensemble.add(meanProbabilityLogits(logits), batch.ys);
      });
    } finally {
      tf.dispose([batch.xs, batch.ys]);
    }
  }
  const memberResults = alone.map((tally) => tally.result());
  const wrongSets = memberResults.map((result) => new Set(result.misclassified.map((m) => m.index)));
  const wrongInEveryMember = memberResults[0]!.misclassified.map((m) => m.index).filter((index) => wrongSets.every((wrong) => wrong.has(index)));
  return { ...ensemble.result(), members: memberResults, wrongInEveryMember };
}

function requireMembers(members: readonly Predictor[], caller: string): void {
  if (members.length === 0) throw new TrainerOptionError(`${caller} needs at least one model; pass an array of loaded models`);
}
