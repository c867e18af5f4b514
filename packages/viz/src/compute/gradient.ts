/** Vanilla gradient (Simonyan et al. 2014) and gradient × input (Shrikumar et al. 2016). */
import * as tf from '@tensorflow/tfjs-core';
import { scoped } from './scoped.js';
import type * as tfl from '@tensorflow/tfjs-layers';
import { oneImage, resolveTarget, targetScore, toAttribution, type Attribution, type AttributionOptions } from './attribution.js';

/** `∂ logit_target / ∂ x`: how the class score changes per pixel. For a linear model it is the weights. */
export function vanillaGradient(model: tfl.LayersModel, input: tf.Tensor, { target }: AttributionOptions = {}): Attribution {
  return scoped(() => {
    const image = oneImage(model, input);
    const chosen = resolveTarget(model, image, target);
    const gradient = tf.grad((x: tf.Tensor) => targetScore(model, x, chosen))(image);
    return toAttribution('saliency', chosen, gradient);
  });
}

/** `x ⊙ ∂ logit_target / ∂ x`: the gradient weighted by the pixel values (first-order Taylor term). */
export function gradientTimesInput(model: tfl.LayersModel, input: tf.Tensor, { target }: AttributionOptions = {}): Attribution {
  return scoped(() => {
    const image = oneImage(model, input);
    const chosen = resolveTarget(model, image, target);
    const gradient = tf.grad((x: tf.Tensor) => targetScore(model, x, chosen))(image);
    return toAttribution('gradient-x-input', chosen, tf.mul(gradient, image));
  });
}
