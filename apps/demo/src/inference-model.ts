/**
 * How the page predicts with a model: a copy with its batch normalisations folded into the layers
 * before them (`foldBatchNorm`), called layer by layer (`inferenceFunction`), which gives the same
 * probabilities in fewer passes and without `predict`'s per-call bookkeeping — the
 * draw-and-predict loop runs once per stroke. Built on first use and kept until released; the
 * model itself (shown Inside, fine-tuned, exported) stays as loaded.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { foldBatchNorm, inferenceFunction } from '@digitlab/models';

const folded = new WeakMap<LayersModel, { copy: LayersModel; run: (x: tf.Tensor) => tf.Tensor }>();

/** x ↦ logits of `model`, through its folded copy, built once. */
export function inferenceModel(model: LayersModel): (x: tf.Tensor) => tf.Tensor {
  let entry = folded.get(model);
  if (!entry) {
    const copy = foldBatchNorm(model);
    entry = { copy, run: inferenceFunction(copy) };
    folded.set(model, entry);
  }
  return entry.run;
}

/** Disposes the folded copy of `model`, if one was built (a later `inferenceModel(model)` builds it again). */
export function releaseInferenceModel(model: LayersModel): void {
  folded.get(model)?.copy.dispose();
  folded.delete(model);
}
