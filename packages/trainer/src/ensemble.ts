import * as tf from '@tensorflow/tfjs-core';
import { TrainerOptionError } from './errors.js';
import type { Predictor } from './evaluate.js';

/**
 * An ensemble that averages the members' softmax probabilities: `p = (1/M)·Σ_m softmax(f_m(x))`.
 * Its `predict` returns `log p`, which are valid logits (`softmax(log p) = p`), so an ensemble is
 * evaluated, saved in reports and used for prediction exactly like one model.
 */
export function createEnsemble(members: readonly Predictor[]): Predictor & { readonly members: readonly Predictor[] } {
  if (members.length === 0) throw new TrainerOptionError('createEnsemble needs at least one model; pass an array of loaded models');
  return {
    members,
    predict(x: tf.Tensor): tf.Tensor {
      return tf.tidy(() => {
        const probabilities = members.map((member) => {
          const output = member.predict(x);
          return tf.softmax(Array.isArray(output) ? output[0]! : output);
        });
        // Clamp before the log so a member certain to be wrong yields a large finite loss, not Infinity.
        return tf.log(tf.clipByValue(tf.div(tf.addN(probabilities), members.length), 1e-12, 1));
      });
    },
  };
}
