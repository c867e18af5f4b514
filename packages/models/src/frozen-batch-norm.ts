import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

const patched = new WeakSet<tfl.layers.Layer>();

/**
 * Gives a model's BatchNormalization layers Keras's frozen semantics: a BN layer whose `trainable`
 * is false runs in inference mode (moving mean/variance, no updates to them) even when the model is
 * called with `training: true`. Stock tfjs-layers keeps normalising with batch statistics and
 * updating the moving averages of a frozen BN layer, so a "frozen" backbone would still drift
 * during fine-tuning. Trainable BN layers behave exactly as before.
 *
 * `createModel`, `loadModel` and the surgery helpers already apply this; call it on models built
 * elsewhere. It patches the layer objects (not the saved topology) and is idempotent.
 * @returns `model`, for chaining
 */
export function keepFrozenBatchNormInInference<T extends tfl.LayersModel>(model: T): T {
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization' || patched.has(layer)) continue;
    const call = layer.call.bind(layer);
    layer.call = (inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => call(inputs, layer.trainable ? kwargs : { ...kwargs, training: false });
    patched.add(layer);
  }
  return model;
}
