/** SmoothGrad (Smilkov et al. 2017): the vanilla gradient averaged over noisy copies of the input. */
import * as tf from '@tensorflow/tfjs-core';
import { scoped } from './scoped.js';
import type * as tfl from '@tensorflow/tfjs-layers';
import { VizError } from '../errors.js';
import { oneImage, resolveTarget, targetScore, toAttribution, type Attribution, type AttributionOptions } from './attribution.js';

/** Options of {@link smoothGrad}. */
export interface SmoothGradOptions extends AttributionOptions {
  /** Noisy copies; default 25. */
  samples?: number;
  /** Noise σ as a fraction of the input's value range (max − min); default 0.15 (the paper's 10–20%). */
  noiseLevel?: number;
  /** Seed of the noise; default 0. */
  seed?: number;
}

/** `(1/n) Σ_i ∂ logit_target / ∂ x (x + ε_i)`, `ε_i ~ N(0, σ²)`, all copies in one batch. */
export function smoothGrad(model: tfl.LayersModel, input: tf.Tensor, { target, samples = 25, noiseLevel = 0.15, seed = 0 }: SmoothGradOptions = {}): Attribution {
  if (!Number.isInteger(samples) || samples < 1) throw new VizError(`smoothGrad: samples must be a positive integer, got ${samples}`);
  if (!(noiseLevel >= 0)) throw new VizError(`smoothGrad: noiseLevel must be ≥ 0 (a fraction of the value range, e.g. 0.15), got ${noiseLevel}`);
  return scoped(() => {
    const image = oneImage(model, input);
    const chosen = resolveTarget(model, image, target);
    const sigma = noiseLevel * (tf.max(image).dataSync()[0]! - tf.min(image).dataSync()[0]!);
    const noisy = tf.add(tf.tile(image, [samples, 1, 1, 1]), tf.randomNormal([samples, ...image.shape.slice(1)], 0, sigma, 'float32', seed));
    const gradients = tf.grad((x: tf.Tensor) => targetScore(model, x, chosen))(noisy);
    return toAttribution('smoothgrad', chosen, tf.mean(gradients, 0));
  });
}
