import * as tf from '@tensorflow/tfjs-core';

export interface BatchNormTrainingResult {
  /** `(x - mean) / sqrt(variance + epsilon) * gamma + beta`, differentiable with respect to x, gamma and beta. */
  y: tf.Tensor;
  /** Batch mean per channel (kept: the caller disposes it). */
  mean: tf.Tensor1D;
  /** Biased batch variance per channel, as tfjs-layers uses it (kept: the caller disposes it). */
  variance: tf.Tensor1D;
  /** With {@link MovingAverages}: the moving mean and variance after this batch (kept: the caller writes and disposes them). */
  moving?: { mean: tf.Tensor1D; variance: tf.Tensor1D };
}

/** A BN layer's moving statistics and momentum, to be moved towards a batch's statistics. */
export interface MovingAverages {
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
  /** tfjs-layers' momentum m: average ← average − (average − batch)·(1 − m). */
  momentum: number;
}

/** Kernel names a backend registers to run `batchNormInTraining` fused (see `batchNormInTraining`). */
export const BATCH_NORM_MOMENTS_KERNEL = 'DigitlabBatchNormMoments';
export const BATCH_NORM_GRADIENT_KERNEL = 'DigitlabBatchNormGradient';

/** Whether the current backend registers `kernelName` and x is what such kernels take. */
function fusedKernel(kernelName: string, x: tf.Tensor): boolean {
  return x.dtype === 'float32' && x.rank >= 2 && x.size > 0 && tf.getKernel(kernelName, tf.getBackend()) !== undefined;
}

/**
 * Batch normalisation over every axis but the last, with batch statistics, as tfjs-layers'
 * `normalizeBatchInTraining` computes it, but with the gradient written out in closed form.
 *
 * tfjs differentiates the layer op by op: `batchNorm`'s own gradient, then `moments` back through
 * `squaredDifference` and two `mean`s, each step a full pass over the activation (the mean's gradient
 * alone builds a ones tensor, multiplies and divides): about twenty passes per layer. With
 * x̂ = (x − μ)·s, s = 1/√(σ² + ε) and N elements per channel, the gradient is
 *
 *   dβ = Σ dy,   dγ = s·Σ dy·(x − μ),   dx = γ·s·(dy − Σdy/N) − γ·s³·(x − μ)·Σ dy·(x − μ)/N
 *
 * which costs seven: x − μ, its product with dy, two sums, and dx as dy·a + (x − μ)·b + c with
 * per-channel a, b, c. The forward pass is tfjs's own (`moments`, then the `batchNorm` kernel).
 *
 * With `moving`, the moving averages move as tfjs-layers moves them (average − (average − batch)·(1 − m),
 * in float32 op by op) inside the forward computation, where the gradient tape does not record them: six
 * small ops and a scalar a layer that tfjs would otherwise tape, then filter out of the backward pass.
 *
 * A backend may do both in fewer passes by registering two kernels (with tfjs-core's kernel
 * registry; @digitlab/backend-wasm does): `DigitlabBatchNormMoments` (input x; outputs mean and
 * biased variance over every axis but the last; with inputs movingMean and movingVariance and attr
 * momentum also the two moved averages, in that order) and `DigitlabBatchNormGradient` (inputs dy, x,
 * mean, variance, gamma; attr epsilon; outputs dx, dgamma, dbeta, by the formula above). Where the
 * current backend has them they run; everywhere else the ops above do.
 */
export function batchNormInTraining(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number, moving?: MovingAverages): BatchNormTrainingResult {
  const axes = x.shape.slice(0, -1).map((_, axis) => axis);
  let mean: tf.Tensor1D | undefined;
  let variance: tf.Tensor1D | undefined;
  let moved: BatchNormTrainingResult['moving'];
  // Ops in a custom gradient's forward function run inside a kernel, so the tape does not record them.
  const normalize = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [input, scale, offset, save] = args as [tf.Tensor, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    if (fusedKernel(BATCH_NORM_MOMENTS_KERNEL, input)) {
      const inputs: tf.NamedTensorMap = moving ? { x: input, movingMean: moving.mean, movingVariance: moving.variance } : { x: input };
      const outputs = (tf.engine().runKernel(BATCH_NORM_MOMENTS_KERNEL, inputs, moving ? { momentum: moving.momentum } : {}) as tf.Tensor1D[]).map((t) => tf.keep(t));
      [mean, variance] = outputs as [tf.Tensor1D, tf.Tensor1D];
      if (moving) moved = { mean: outputs[2]!, variance: outputs[3]! };
    } else {
      const moments = tf.moments(input, axes);
      mean = tf.keep(moments.mean as tf.Tensor1D);
      variance = tf.keep(moments.variance as tf.Tensor1D);
      if (moving) {
        const decay = 1 - moving.momentum;
        const move = (average: tf.Tensor1D, batch: tf.Tensor1D) => tf.keep(tf.sub<tf.Tensor1D>(average, tf.mul(tf.sub(average, batch), decay)));
        moved = { mean: move(moving.mean, mean), variance: move(moving.variance, variance) };
      }
    }
    save([input, mean, variance, scale]);
    const value = tf.batchNorm(input, mean, variance, offset, scale, epsilon);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [savedX, savedMean, savedVariance, savedGamma] = saved as [tf.Tensor, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
      if (fusedKernel(BATCH_NORM_GRADIENT_KERNEL, savedX) && dy.dtype === 'float32') {
        const inputs = { dy, x: savedX, mean: savedMean, variance: savedVariance, gamma: savedGamma };
        return tf.engine().runKernel(BATCH_NORM_GRADIENT_KERNEL, inputs, { epsilon }) as tf.Tensor[];
      }
      const count = dy.size / dy.shape[dy.rank - 1]!;
      const invStd = tf.rsqrt(tf.add(savedVariance, epsilon));
      const centered = tf.sub(savedX, savedMean);
      const sumDy = tf.sum(dy, axes);
      const sumDyCentered = tf.sum(tf.mul(dy, centered), axes);
      const a = tf.mul(savedGamma, invStd);
      const b = tf.div(tf.mul(tf.mul(a, tf.square(invStd)), sumDyCentered), -count);
      const c = tf.div(tf.mul(a, sumDy), -count);
      const dx = tf.add(tf.add(tf.mul(dy, a), tf.mul(centered, b)), c);
      return [dx, tf.mul(sumDyCentered, invStd), sumDy];
    };
    return { value, gradFunc };
  });
  const y = normalize(x, gamma, beta);
  return moved ? { y, mean: mean!, variance: variance!, moving: moved } : { y, mean: mean!, variance: variance! };
}
