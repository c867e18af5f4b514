import type * as tfl from '@tensorflow/tfjs-layers';

/** Parameter counts of a model: what the optimizer will update, and everything (frozen and statistics too). */
export interface ParameterCount {
  trainable: number;
  total: number;
  /** `trainable / total`, in [0, 1]. */
  fraction: number;
}

const sizeOf = (weight: tfl.LayerVariable) => weight.shape.reduce((product: number, size) => product * (size ?? 0), 1);

/** Counts the trainable and total parameters of `model` as it is now (trainable flags included). */
export function countParameters(model: tfl.LayersModel): ParameterCount {
  const trainable = model.trainableWeights.reduce((sum, weight) => sum + sizeOf(weight), 0);
  const total = model.weights.reduce((sum, weight) => sum + sizeOf(weight), 0);
  return { trainable, total, fraction: total === 0 ? 0 : trainable / total };
}
