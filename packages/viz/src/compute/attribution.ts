/** What every attribution method returns, and the class score they all differentiate. */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { VizError } from '../errors.js';

/** Names of the attribution methods, as the CLI's `--method` takes them. */
export const attributionMethods = ['saliency', 'gradient-x-input', 'smoothgrad', 'integrated-gradients', 'occlusion', 'gradcam'] as const;
export type AttributionMethod = (typeof attributionMethods)[number];

/** How much each input pixel counts for the score of class `target`. */
export interface Attribution {
  method: AttributionMethod;
  /** The class whose logit was explained. */
  target: number;
  height: number;
  width: number;
  /** `height × width` values, row-major, summed over the input channels. Signed except for Grad-CAM (≥ 0). */
  values: Float32Array;
}

/** Options every method takes. */
export interface AttributionOptions {
  /** Class to explain; default: the class the model predicts for the input. */
  target?: number;
}

/** `input` as a batch of one `[1, H, W, C]`, checked against the model's input shape. */
export function oneImage(model: tfl.LayersModel, input: tf.Tensor): tf.Tensor4D {
  const expected = model.inputs[0]!.shape.slice(1);
  const shape = input.rank === 4 ? input.shape.slice(1) : input.shape;
  const matches = expected.length === 3 && shape.length === 3 && expected.every((size, i) => size === null || size === shape[i]);
  if (!matches || (input.rank === 4 && input.shape[0] !== 1)) {
    throw new VizError(`expected one image of shape [1, ${expected.join(', ')}] or [${expected.join(', ')}], got [${input.shape.join(', ')}]. Pass a single normalised image.`);
  }
  return (input.rank === 4 ? tf.clone(input) : tf.expandDims(input, 0)) as tf.Tensor4D;
}

/** The model's logits for a batch, in inference mode (dropout off, batch norm on its moving statistics). */
export function logitsOf(model: tfl.LayersModel, batch: tf.Tensor): tf.Tensor2D {
  return model.apply(batch, { training: false }) as tf.Tensor2D;
}

/** `target`, checked against the number of classes, or the predicted class of `image`. */
export function resolveTarget(model: tfl.LayersModel, image: tf.Tensor4D, target: number | undefined): number {
  const classes = model.outputs[0]!.shape.at(-1)!;
  if (target !== undefined) {
    if (!Number.isInteger(target) || target < 0 || target >= classes) throw new VizError(`target class ${target} is outside 0..${classes - 1}. Pass a class index of the model's output.`);
    return target;
  }
  return tf.tidy(() => tf.argMax(logitsOf(model, image), -1).dataSync()[0]!);
}

/**
 * Column `target` of `[n, K]` logits, as `[n]`. A one-hot product rather than `gather`, whose
 * gradient needs a kernel (UnsortedSegmentSum) that the wasm backend lacks.
 */
export function classColumn(logits: tf.Tensor, target: number): tf.Tensor1D {
  const classes = logits.shape.at(-1)!;
  return tf.sum(tf.mul(logits, tf.oneHot(tf.tensor1d([target], 'int32'), classes)), -1) as tf.Tensor1D;
}

/** Sum of the `target` logits over a batch: its gradient is each example's own gradient. */
export function targetScore(model: tfl.LayersModel, batch: tf.Tensor, target: number): tf.Scalar {
  return tf.sum(classColumn(logitsOf(model, batch), target));
}

/** An `[1, H, W, C]` (or `[H, W, C]`) tensor summed over channels into an Attribution. */
export function toAttribution(method: AttributionMethod, target: number, map: tf.Tensor): Attribution {
  const [height, width] = map.rank === 4 ? map.shape.slice(1, 3) : map.shape.slice(0, 2);
  const values = tf.tidy(() => tf.sum(tf.reshape(map, [height!, width!, -1]), -1).dataSync());
  return { method, target, height: height!, width: width!, values: Float32Array.from(values) };
}
