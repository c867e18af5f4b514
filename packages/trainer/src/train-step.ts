/**
 * One training step, in the order of the math: forward (training mode), loss, gradients,
 * clip, update. Everything runs inside `tf.tidy`, so a step leaves no tensor behind.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { globalNorm, clipByGlobalNorm } from './clip.js';
import { NonFiniteLossError } from './errors.js';
import { accuracy, l2Penalty, softmaxCrossEntropy } from './loss.js';
import type { Optimizer } from './optimizers/optimizer.js';
import { deriveSeed, SeedPurpose } from './random.js';

/** A batch: inputs `[n, 28, 28, 1]` and labels (integer `[n]` or one-hot `[n, K]`). */
export interface Batch {
  xs: tf.Tensor;
  ys: tf.Tensor;
  /** Number of examples in the batch. */
  size: number;
}

/** A loss: `(logits, labels) → scalar`. */
export type LossFunction = (logits: tf.Tensor, labels: tf.Tensor) => tf.Scalar;

/** Options of {@link trainStep}. */
export interface TrainStepOptions {
  learningRate: number;
  /** Overrides the optimizer's momentum / β1 for this step (one-cycle). */
  momentum?: number;
  /** Multiplies `learningRate` per trainable variable, in `model.trainableWeights` order (discriminative learning rates). */
  learningRateScales?: readonly number[];
  /** ε of label smoothing; default 0. Ignored when `loss` is given. */
  labelSmoothing?: number;
  /** λ of the L2 penalty `(λ/2)Σ‖W‖²` on kernels (rank ≥ 2 weights); default 0. */
  l2?: number;
  /** Clip gradients to this global L2 norm; default: no clipping. */
  clipNorm?: number;
  /** Replaces softmax cross-entropy. */
  loss?: LossFunction;
  /** Global step (0-based): names the step in errors and derives this step's dropout masks. */
  step?: number;
  /** Epoch (0-based), for error messages. */
  epoch?: number;
  /** Run seed; with `step` it fixes the dropout masks, so runs are reproducible. Default 0. */
  seed?: number;
}

/** What one step measured (on the batch, before the update). */
export interface TrainStepResult {
  loss: number;
  accuracy: number;
  /** Global gradient norm before clipping. */
  gradientNorm: number;
}

/**
 * θ ← optimizer(θ, ∇θ L(f(x; θ), y)). Throws {@link NonFiniteLossError} (without updating) when
 * the loss or the gradient norm is NaN or infinite, so the model keeps its last good weights.
 */
export function trainStep(model: tfl.LayersModel, batch: Batch, optimizer: Optimizer, options: TrainStepOptions): TrainStepResult {
  const { step = optimizer.iterations, epoch = 0, seed = 0, labelSmoothing = 0, l2 = 0 } = options;
  seedDropoutLayers(model, deriveSeed(seed, SeedPurpose.dropout, step));
  // LayerVariable.read() is typed as Tensor but returns the tf.Variable the layer trains.
  const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
  const kernels = variables.filter((variable) => variable.rank >= 2);
  const lossOf = options.loss ?? ((logits: tf.Tensor, labels: tf.Tensor) => softmaxCrossEntropy(logits, labels, labelSmoothing));

  let logits: tf.Tensor | undefined;
  try {
    return tf.tidy(() => {
      // Forward and loss, recorded for differentiation. The logits are kept for the accuracy.
      const { value, grads } = tf.variableGrads(() => {
        logits = tf.keep(model.apply(batch.xs, { training: true }) as tf.Tensor);
        const dataLoss = lossOf(logits, batch.ys);
        return l2 > 0 ? tf.add(dataLoss, l2Penalty(kernels, l2)) : dataLoss;
      }, variables);
      const gradients = variables.map((variable) => grads[variable.name]!);
      const norm = globalNorm(gradients);

      // The guard reads the loss before the update: a bad step must not reach the weights.
      const lossValue = value.dataSync()[0]!;
      const normValue = norm.dataSync()[0]!;
      if (!Number.isFinite(lossValue)) throw new NonFiniteLossError(step, epoch, 'loss', lossValue);
      if (!Number.isFinite(normValue)) throw new NonFiniteLossError(step, epoch, 'gradient norm', normValue);

      const update = options.clipNorm !== undefined ? clipByGlobalNorm(gradients, options.clipNorm, norm) : gradients;
      optimizer.applyGradients(variables, update, {
        learningRate: options.learningRate,
        momentum: options.momentum,
        ...(options.learningRateScales ? { learningRateScales: options.learningRateScales } : {}),
      });
      return { loss: lossValue, accuracy: accuracy(logits!, batch.ys).dataSync()[0]!, gradientNorm: normValue };
    });
  } finally {
    logits?.dispose();
  }
}

/**
 * tfjs's Dropout draws its mask from `Math.random` when it has no seed, and repeats the same mask
 * every step when it has one. Giving each Dropout layer a fresh seed derived from (run seed, step)
 * makes masks differ from step to step and yet repeat exactly on a rerun or a resume.
 */
function seedDropoutLayers(model: tfl.LayersModel, stepSeed: number): void {
  let index = 0;
  const visit = (layers: readonly tfl.layers.Layer[]) => {
    for (const layer of layers) {
      const nested = (layer as unknown as { layers?: tfl.layers.Layer[] }).layers;
      if (Array.isArray(nested)) visit(nested);
      if ('rate' in layer && 'seed' in layer && /Dropout/.test(layer.getClassName())) {
        (layer as unknown as { seed: number }).seed = deriveSeed(stepSeed, index);
      }
      index += 1;
    }
  };
  visit(model.layers);
}
