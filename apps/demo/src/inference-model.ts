/**
 * The copy of a model the page predicts with: its batch normalisations folded into the layers
 * before them (`foldBatchNorm`), which gives the same probabilities in fewer passes — the
 * draw-and-predict loop runs once per stroke. Built on first use and kept until released; the
 * model itself (shown Inside, fine-tuned, exported) stays as loaded.
 */
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { foldBatchNorm } from '@digitlab/models';

const folded = new WeakMap<LayersModel, LayersModel>();

/** The folded copy of `model`, built once. */
export function inferenceModel(model: LayersModel): LayersModel {
  let copy = folded.get(model);
  if (!copy) {
    copy = foldBatchNorm(model);
    folded.set(model, copy);
  }
  return copy;
}

/** Disposes the folded copy of `model`, if one was built (a later `inferenceModel(model)` builds it again). */
export function releaseInferenceModel(model: LayersModel): void {
  folded.get(model)?.dispose();
  folded.delete(model);
}
