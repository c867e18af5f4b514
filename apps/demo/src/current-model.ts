/**
 * A model in the page: the tfjs layers model plus what `digitlab.json` says about it, and
 * `classify()`, which runs one 28×28 MNIST-style image through it the way `digitlab predict` does
 * (the model's own input normalisation, softmax over its logits), on the model's folded inference copy.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { imagesToTensor } from '@digitlab/datasets';
import type { ModelMetadata } from '@digitlab/models';
import { inferenceModel } from './inference-model.js';

export interface CurrentModel {
  /** Shown in the picker: a shipped name, a file name or a URL. */
  name: string;
  model: LayersModel;
  /** `digitlab.json`: labels, input normalisation, architecture, metrics. */
  metadata: ModelMetadata;
}

/** Labels of the model's outputs. */
export function labelsOf({ metadata }: CurrentModel): string[] {
  return metadata.labels;
}

/**
 * Model inputs for MNIST-style pixels (0 background, 255 ink), `count` images of 784 bytes, normalised
 * as the model was trained. The caller disposes the tensor.
 */
export function modelInput(current: CurrentModel, pixels: Uint8Array): tf.Tensor4D {
  const { input } = current.metadata;
  return tf.tidy(() => {
    const unit = imagesToTensor(pixels, 'unit');
    return input.normalization === 'mnist' ? tf.div(tf.sub(unit, input.mean ?? 0), input.std ?? 1) : unit;
  });
}

/**
 * Softmax probabilities of each image in `pixels` (784 bytes each), one array per image, from the
 * model with its batch normalisations folded (the same probabilities, fewer passes).
 */
export async function classify(current: CurrentModel, pixels: Uint8Array): Promise<Float32Array> {
  const run = inferenceModel(current.model);
  const probabilities = tf.tidy(() => tf.softmax(run(modelInput(current, pixels))));
  try {
    return (await probabilities.data()) as Float32Array;
  } finally {
    probabilities.dispose();
  }
}

/** Index of the largest value. */
export function argMax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if ((values[i] as number) > (values[best] as number)) best = i;
  return best;
}
