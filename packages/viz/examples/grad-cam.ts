import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { defaultCamLayer, gradCam, heatMapOverlaySvg } from '@digitlab/viz';

/** Grad-CAM at the last conv block (the default) and at any other layer with a spatial output. */
export function example(model: tfl.LayersModel, digit: tf.Tensor4D) {
  const last = gradCam(model, digit); // layer: defaultCamLayer(model)
  const early = gradCam(model, digit, { layer: 'block1_conv3_relu' });
  const svg = heatMapOverlaySvg(digit.dataSync(), early);
  return { layer: defaultCamLayer(model), last, early, svg };
}
