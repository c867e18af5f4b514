import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { activationSvg, layerActivations } from '@digitlab/viz';

/** Every layer's output for one normalised digit `[1, 28, 28, 1]`, and the first conv layer drawn. */
export function example(model: tfl.LayersModel, digit: tf.Tensor4D) {
  const layers = layerActivations(model, digit); // [{ name, className, shape, values }], softmax last
  const probabilities = layers.at(-1)!.values;
  const svg = activationSvg(layers[0]!); // one image per channel, legend with the value range
  return { names: layers.map((layer) => layer.name), probabilities, svg };
}
