import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { integratedGradients } from '@digitlab/viz';

/** Integrated gradients from a blank baseline, with the completeness check it reports. */
export function example(model: tfl.LayersModel, digit: tf.Tensor4D) {
  const result = integratedGradients(model, digit, { steps: 64 });
  const { attributionSum, outputDifference, relativeError } = result.completeness;
  // Σ attributions ≈ logit(digit) − logit(baseline); raise `steps` if relativeError is large.
  return { values: result.values, attributionSum, outputDifference, relativeError };
}
