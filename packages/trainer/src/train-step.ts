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
 * Reads the step's loss, gradient norm and accuracy synchronously, in one read; on GPU backends
 * (webgl, webgpu) {@link trainStepAsync} does not stall the page.
 */
export function trainStep(model: tfl.LayersModel, batch: Batch, optimizer: Optimizer, options: TrainStepOptions): TrainStepResult {
  const pending = forwardAndGradients(model, batch, options, optimizer.iterations);
  try {
    return update(pending, pending.measured.dataSync(), optimizer, options);
  } finally {
    pending.dispose();
  }
}

/** {@link trainStep} with the one read of loss, gradient norm and accuracy awaited, so GPU backends never block on it. */
export async function trainStepAsync(model: tfl.LayersModel, batch: Batch, optimizer: Optimizer, options: TrainStepOptions): Promise<TrainStepResult> {
  const pending = forwardAndGradients(model, batch, options, optimizer.iterations);
  try {
    return update(pending, await pending.measured.data(), optimizer, options);
  } finally {
    pending.dispose();
  }
}

/** A step computed up to the update: the variables, their (clipped) gradients, and `[loss, gradient norm, accuracy]`. */
interface PendingStep {
  variables: tf.Variable[];
  gradients: tf.Tensor[];
  measured: tf.Tensor1D;
  step: number;
  epoch: number;
  dispose(): void;
}

function forwardAndGradients(model: tfl.LayersModel, batch: Batch, options: TrainStepOptions, iterations: number): PendingStep {
  const { step = iterations, epoch = 0, seed = 0, labelSmoothing = 0, l2 = 0 } = options;
  seedDropoutLayers(model, deriveSeed(seed, SeedPurpose.dropout, step));
  // LayerVariable.read() is typed as Tensor but returns the tf.Variable the layer trains.
  const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
  const kernels = variables.filter((variable) => variable.rank >= 2);
  const lossOf = options.loss ?? ((logits: tf.Tensor, labels: tf.Tensor) => softmaxCrossEntropy(logits, labels, labelSmoothing));

  let logits: tf.Tensor | undefined;
  try {
    const { gradients, measured } = tf.tidy(() => {
      // Forward and loss, recorded for differentiation. The logits are kept for the accuracy.
      const { value, grads } = tf.variableGrads(() => {
        logits = tf.keep(model.apply(batch.xs, { training: true }) as tf.Tensor);
        const dataLoss = lossOf(logits, batch.ys);
        return l2 > 0 ? tf.add(dataLoss, l2Penalty(kernels, l2)) : dataLoss;
      }, variables);
      const raw = variables.map((variable) => grads[variable.name]!);
      const norm = globalNorm(raw);
      const clipped = options.clipNorm !== undefined ? clipByGlobalNorm(raw, options.clipNorm, norm) : raw;
      return { gradients: clipped, measured: tf.stack([value, norm, accuracy(logits!, batch.ys)]) as tf.Tensor1D };
    });
    return { variables, gradients, measured, step, epoch, dispose: () => tf.dispose([...gradients, measured]) };
  } finally {
    logits?.dispose();
  }
}

/** The guard, then the update: a non-finite loss or gradient norm must not reach the weights. */
function update(pending: PendingStep, measured: ArrayLike<number>, optimizer: Optimizer, options: TrainStepOptions): TrainStepResult {
  const [loss, gradientNorm, batchAccuracy] = [measured[0]!, measured[1]!, measured[2]!];
  if (!Number.isFinite(loss)) throw new NonFiniteLossError(pending.step, pending.epoch, 'loss', loss);
  if (!Number.isFinite(gradientNorm)) throw new NonFiniteLossError(pending.step, pending.epoch, 'gradient norm', gradientNorm);
  tf.tidy(() =>
    optimizer.applyGradients(pending.variables, pending.gradients, {
      learningRate: options.learningRate,
      momentum: options.momentum,
      ...(options.learningRateScales ? { learningRateScales: options.learningRateScales } : {}),
    }),
  );
  return { loss, accuracy: batchAccuracy, gradientNorm };
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
