import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { occlusion } from '@digitlab/viz';

/** How much the predicted logit drops when a 4x4 patch of background hides each place. */
export function example(model: tfl.LayersModel, digit: tf.Tensor4D) {
  const map = occlusion(model, digit, { patch: 4, stride: 2 });
  const strongest = map.values.indexOf(Math.max(...map.values));
  return { map, strongest: { row: Math.floor(strongest / 28), column: strongest % 28 } };
}
