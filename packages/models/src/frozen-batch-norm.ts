import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { batchNormInTraining } from './batch-norm-training.js';

const patched = new WeakSet<tfl.layers.Layer>();

/** The fields of tfjs-layers' BatchNormalization that its training call reads (not in its typings). */
interface BatchNormFields {
  axis: number;
  momentum: number;
  epsilon: number;
  /** Absent (undefined) when the layer was built with scale: false / center: false. */
  gamma?: tfl.LayerVariable | null;
  beta?: tfl.LayerVariable | null;
  movingMean: tfl.LayerVariable;
  movingVariance: tfl.LayerVariable;
}

/**
 * Gives a model's BatchNormalization layers Keras's frozen semantics: a BN layer whose `trainable`
 * is false runs in inference mode (moving mean/variance, no updates to them) even when the model is
 * called with `training: true`. Stock tfjs-layers keeps normalising with batch statistics and
 * updating the moving averages of a frozen BN layer, so a "frozen" backbone would still drift
 * during fine-tuning.
 *
 * Trainable BN layers compute what stock tfjs-layers computes, over the channel (last) axis through
 * `batchNormInTraining`, whose closed-form gradient makes seven passes over the activation where
 * tfjs's op-by-op gradient makes about twenty; the moving averages move exactly as before.
 *
 * `createModel`, `loadModel` and the surgery helpers already apply this; call it on models built
 * elsewhere. It patches the layer objects (not the saved topology) and is idempotent.
 * @returns `model`, for chaining
 */
export function keepFrozenBatchNormInInference<T extends tfl.LayersModel>(model: T): T {
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization' || patched.has(layer)) continue;
    const call = layer.call.bind(layer);
    layer.call = (inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => {
      if (!layer.trainable) return call(inputs, { ...kwargs, training: false });
      const input = Array.isArray(inputs) ? inputs[0]! : inputs;
      const fields = layer as unknown as BatchNormFields;
      const lastAxis = fields.axis === -1 || fields.axis === input.rank - 1;
      if (kwargs['training'] !== true || !lastAxis || fields.gamma == null || fields.beta == null) return call(inputs, kwargs);
      return trainingCall(fields, fields.gamma, fields.beta, input);
    };
    patched.add(layer);
  }
  return model;
}

/** tfjs-layers' BatchNormalization.call with training: true, through `batchNormInTraining`. */
function trainingCall(layer: BatchNormFields, gamma: tfl.LayerVariable, beta: tfl.LayerVariable, input: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const averages = { mean: layer.movingMean.read() as tf.Tensor1D, variance: layer.movingVariance.read() as tf.Tensor1D, momentum: layer.momentum };
    const { y, mean, variance, moving } = batchNormInTraining(input, gamma.read() as tf.Tensor1D, beta.read() as tf.Tensor1D, layer.epsilon, averages);
    layer.movingMean.write(moving!.mean);
    layer.movingVariance.write(moving!.variance);
    tf.dispose([mean, variance, moving!.mean, moving!.variance]);
    return y;
  });
}
