import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { gradientTimesInput, heatMapOverlaySvg, smoothGrad, vanillaGradient } from '@digitlab/viz';

/** Three gradient attributions of the predicted class; each has `values` (28x28) and `target`. */
export function example(model: tfl.LayersModel, digit: tf.Tensor4D) {
  const saliency = vanillaGradient(model, digit);
  const timesInput = gradientTimesInput(model, digit);
  const smooth = smoothGrad(model, digit, { samples: 25, noiseLevel: 0.15, seed: 0 });
  const svg = heatMapOverlaySvg(digit.dataSync(), smooth); // red for the class, blue against
  return { saliency, timesInput, smooth, svg };
}
