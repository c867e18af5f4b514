/**
 * Integrated gradients (Sundararajan et al. 2017): `(x − b) ⊙ ∫₀¹ ∇f(b + α(x − b)) dα`, the integral
 * by the trapezoidal rule over `steps` intervals. Completeness says the attributions sum to
 * `f(x) − f(b)`; the result reports how far the approximation is from it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { scoped } from './scoped.js';
import type * as tfl from '@tensorflow/tfjs-layers';
import { VizError } from '../errors.js';
import { classColumn, logitsOf, oneImage, resolveTarget, targetScore, toAttribution, type Attribution, type AttributionOptions } from './attribution.js';

/** Options of {@link integratedGradients}. */
export interface IntegratedGradientsOptions extends AttributionOptions {
  /** The reference input, same shape as the image; default: every pixel at the image's minimum (blank background). */
  baseline?: tf.Tensor;
  /** Trapezoid intervals on the path; default 64. */
  steps?: number;
  /** Path points per forward/backward batch; default 32. */
  batchSize?: number;
}

/** How well the attributions satisfy completeness. */
export interface Completeness {
  /** Σ attributions. */
  attributionSum: number;
  /** `logit_target(x) − logit_target(baseline)`. */
  outputDifference: number;
  /** |attributionSum − outputDifference|. */
  error: number;
  /** `error / max(|outputDifference|, 1e-6)`: raise `steps` when this is above a few percent. */
  relativeError: number;
}

/** Integrated gradients with their completeness check. */
export function integratedGradients(
  model: tfl.LayersModel,
  input: tf.Tensor,
  { target, baseline, steps = 64, batchSize = 32 }: IntegratedGradientsOptions = {},
): Attribution & { completeness: Completeness } {
  if (!Number.isInteger(steps) || steps < 1) throw new VizError(`integratedGradients: steps must be a positive integer, got ${steps}`);
  return scoped(() => {
    const image = oneImage(model, input);
    const chosen = resolveTarget(model, image, target);
    const reference = baseline ? oneImage(model, baseline) : tf.fill(image.shape, tf.min(image).dataSync()[0]!);
    const delta = tf.sub(image, reference);
    // Trapezoid: weights 1/2, 1, ..., 1, 1/2 at α = 0, 1/steps, ..., 1, over steps intervals.
    let gradientSum: tf.Tensor = tf.zerosLike(image);
    for (let start = 0; start <= steps; start += batchSize) {
      const count = Math.min(batchSize, steps + 1 - start);
      const next = tf.tidy(() => {
        const alphas = Array.from({ length: count }, (_, i) => (start + i) / steps);
        const weights = alphas.map((_, i) => (start + i === 0 || start + i === steps ? 0.5 : 1));
        const path = tf.add(reference, tf.mul(tf.reshape(tf.tensor1d(alphas), [count, 1, 1, 1]), delta));
        const gradients = tf.grad((x: tf.Tensor) => targetScore(model, x, chosen))(path);
        return tf.add(gradientSum, tf.sum(tf.mul(gradients, tf.reshape(tf.tensor1d(weights), [count, 1, 1, 1])), 0, true));
      });
      gradientSum.dispose();
      gradientSum = next;
    }
    const attributions = tf.mul(delta, tf.div(gradientSum, steps));
    const attributionSum = tf.sum(attributions).dataSync()[0]!;
    const logits = classColumn(logitsOf(model, tf.concat([image, reference])), chosen).dataSync();
    const outputDifference = logits[0]! - logits[1]!;
    const error = Math.abs(attributionSum - outputDifference);
    return {
      ...toAttribution('integrated-gradients', chosen, attributions),
      completeness: { attributionSum, outputDifference, error, relativeError: error / Math.max(Math.abs(outputDifference), 1e-6) },
    };
  });
}
