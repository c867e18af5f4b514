/**
 * An exponential moving average of a model's weights (Polyak averaging; timm's `ModelEmaV2`, Keras's
 * `use_ema`). After every update, for every weight w of the model (batch-norm moving statistics too):
 *
 *   shadow ← d·shadow + (1 − d)·w,   d = min(decay, (1 + step)/(10 + step))
 *
 * where step counts the updates so far; the warm-up of d (TensorFlow's `ExponentialMovingAverage` with
 * `num_updates`) keeps the shadow from remembering the initial weights for ~1/(1 − decay) steps.
 * The average of the last few thousand steps usually generalises a little better than the last step.
 * `fit` evaluates, selects and saves with the shadow; training continues on the raw weights.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { TrainerOptionError } from './errors.js';

/** Throws unless `decay` is a number in (0, 1). */
export function validateAverageDecay(decay: number): void {
  if (!(typeof decay === 'number' && decay > 0 && decay < 1)) {
    throw new TrainerOptionError(`ema decay must be a number between 0 and 1 (exclusive), e.g. 0.999; got ${String(decay)}`);
  }
}

/** The moving average of one model's weights; dispose it when done. */
export class WeightAverage {
  readonly decay: number;
  private readonly shadow: tf.Variable[];

  /** Starts from the model's current weights, or from `initial` (a checkpoint's shadow, in `model.weights` order). */
  constructor(model: tfl.LayersModel, decay: number, initial?: readonly tf.Tensor[]) {
    validateAverageDecay(decay);
    const weights = model.weights;
    if (initial && initial.length !== weights.length) {
      throw new TrainerOptionError(`the saved weight average has ${initial.length} tensors but the model has ${weights.length} weights: it was saved from another architecture`);
    }
    this.decay = decay;
    this.shadow = weights.map((weight, i) => {
      const value = initial ? initial[i]! : weight.read();
      if (!tf.util.arraysEqual(value.shape, weight.shape as number[])) {
        throw new TrainerOptionError(`the saved weight average's tensor ${i} has shape [${value.shape.join(', ')}], the model's ${weight.name} [${weight.shape.join(', ')}]`);
      }
      return tf.variable(value, false);
    });
  }

  /** The decay applied at update number `step` (1 for the first update). */
  decayAt(step: number): number {
    return Math.min(this.decay, (1 + step) / (10 + step));
  }

  /** Folds the model's current weights into the average; `step` = updates applied so far. */
  update(model: tfl.LayersModel, step: number): void {
    const d = this.decayAt(step);
    const weights = model.weights;
    tf.tidy(() => {
      this.shadow.forEach((shadow, i) => {
        const weight = weights[i]!.read();
        shadow.assign(tf.add(tf.mul(shadow, d), tf.mul(weight, 1 - d)));
      });
    });
  }

  /** The averaged weights, in `model.weights` order (owned by this object: do not dispose). */
  values(): readonly tf.Tensor[] {
    return this.shadow;
  }

  /** Runs `body` with the averaged weights in `model`, then puts the raw weights back. */
  async withAveragedWeights<T>(model: tfl.LayersModel, body: () => Promise<T> | T): Promise<T> {
    const raw = model.weights.map((weight) => weight.read().clone());
    model.setWeights(this.shadow);
    try {
      return await body();
    } finally {
      model.setWeights(raw);
      tf.dispose(raw);
    }
  }

  /** Leaves the averaged weights in `model` for good. */
  applyTo(model: tfl.LayersModel): void {
    model.setWeights(this.shadow);
  }

  dispose(): void {
    tf.dispose(this.shadow);
  }
}
