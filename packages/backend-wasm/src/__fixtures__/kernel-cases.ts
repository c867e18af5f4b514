/**
 * Kernel cases shared by the Node kernel tests (kernels.test.ts) and the Chromium page that runs the
 * same cases in a browser (kernels-page.ts): shapes, inputs and the computation of each case, so
 * both check one definition against the `cpu` backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import { random, type Inputs } from './compare-backends.js';

/** A case: its inputs, and what to compute from them on each backend. */
export type KernelCase = [inputs: Inputs, compute: (...tensors: tf.Tensor[]) => tf.Tensor | tf.Tensor[]];

/** A convolution's padding, as tfjs takes it. */
export type Pad = 'valid' | 'same' | [[number, number], [number, number], [number, number], [number, number]];

export interface ConvCase {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: [number, number];
  pad: Pad;
}

export const convCases: ConvCase[] = [
  { x: [2, 10, 10, 1], filter: [3, 3, 1, 8], strides: [1, 1], pad: 'valid' },
  // One input channel at stride 1 reads taps straight from x (csrc conv2d_forward `direct`): rows of
  // 9 and 5 outputs (a last quad overlapping the one before), a row stride of 2, 12 channels (an
  // 8-wide block and a scalar tail), and 3 outputs a row (too few: the packed path).
  { x: [2, 11, 9, 1], filter: [3, 3, 1, 8], strides: [1, 1], pad: 'same' },
  { x: [2, 12, 13, 1], filter: [5, 5, 1, 16], strides: [2, 1], pad: 'valid' },
  { x: [1, 8, 7, 1], filter: [3, 3, 1, 12], strides: [1, 1], pad: 'valid' },
  { x: [1, 6, 5, 1], filter: [3, 3, 1, 8], strides: [1, 1], pad: 'valid' },
  { x: [2, 9, 9, 5], filter: [3, 3, 5, 7], strides: [1, 1], pad: 'same' },
  { x: [2, 10, 9, 4], filter: [3, 3, 4, 6], strides: [2, 2], pad: 'same' },
  { x: [3, 7, 7, 6], filter: [1, 1, 6, 4], strides: [2, 2], pad: 'same' },
  { x: [2, 11, 11, 3], filter: [5, 5, 3, 4], strides: [1, 1], pad: 'valid' },
  { x: [2, 9, 8, 3], filter: [3, 2, 3, 5], strides: [2, 1], pad: 'valid' },
  { x: [1, 8, 8, 2], filter: [3, 3, 2, 3], strides: [1, 2], pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
  // C ≥ 8: the input gradient picks full convolution ('same'), the direct kernel ('valid') or
  // GEMM + col2im (stride 2); C < 8 above: the direct kernel at any stride.
  { x: [2, 10, 10, 8], filter: [3, 3, 8, 12], strides: [1, 1], pad: 'valid' },
  { x: [2, 9, 9, 8], filter: [3, 3, 8, 6], strides: [1, 1], pad: 'same' },
  { x: [2, 10, 10, 8], filter: [3, 3, 8, 4], strides: [2, 2], pad: 'same' },
  { x: [2, 9, 9, 8], filter: [3, 3, 8, 5], strides: [2, 2], pad: 'valid' },
  { x: [2, 10, 10, 8], filter: [3, 3, 8, 5], strides: [2, 2], pad: 'valid' }, // dropped trailing row: im2col fallback
  { x: [2, 8, 8, 9], filter: [1, 1, 9, 4], strides: [2, 2], pad: 'same' },
  { x: [2, 12, 11, 8], filter: [5, 5, 8, 8], strides: [2, 2], pad: 'same' }, // bn-cnn's 5×5 stride-2 layers: direct dX
  { x: [2, 8, 7, 8], filter: [3, 3, 8, 3], strides: [1, 1], pad: [[0, 0], [2, 1], [0, 2], [0, 0]] },
  // Strided input gradients by phases (C ≥ 8): stride 2 on one axis only; stride 3 with a 5-tall
  // filter (phases of 2, 1 and 2 taps); and a padding whose last phase would start inside dy
  // (negative padding: the direct kernel runs instead).
  { x: [2, 9, 10, 8], filter: [3, 2, 8, 6], strides: [2, 1], pad: 'same' },
  { x: [1, 9, 7, 8], filter: [5, 3, 8, 5], strides: [3, 2], pad: 'same' },
  { x: [1, 10, 8, 8], filter: [4, 3, 8, 5], strides: [3, 2], pad: [[0, 0], [2, 1], [0, 2], [0, 0]] },
  { x: [1, 12, 12, 10], filter: [5, 5, 10, 4], strides: [1, 1], pad: 'valid' },
  // Images too large to block several per pass of the SIMD filter-gradient kernel (one image per
  // block, two blocks); CO = 60: 8-wide tiles plus a 4-wide tail.
  { x: [2, 24, 24, 2], filter: [3, 3, 2, 60], strides: [1, 1], pad: 'same' },
  // Winograd F(2×2, 3×3) (3×3, stride 1, C % 4 = 0, CO % 8 = 0, C ≥ 8), forward and the input
  // gradient's full convolution: odd outputs (tiles half outside), a last quad of 3 tiles
  // (3 images × 3 × 3 tiles), padding only on some sides, and a layer as wide as ResNet-mini's last.
  { x: [2, 9, 9, 8], filter: [3, 3, 8, 16], strides: [1, 1], pad: 'same' },
  { x: [3, 8, 7, 12], filter: [3, 3, 12, 8], strides: [1, 1], pad: 'valid' },
  { x: [1, 7, 6, 8], filter: [3, 3, 8, 8], strides: [1, 1], pad: [[0, 0], [2, 1], [0, 2], [0, 0]] },
  { x: [2, 4, 4, 128], filter: [3, 3, 128, 128], strides: [1, 1], pad: 'same' },
  // 27 tiles: the filter gradient's blocks of 8 (panels.ts winogradFilterGradientBlock), the last partial.
  { x: [3, 5, 6, 32], filter: [3, 3, 32, 32], strides: [1, 1], pad: 'same' },
];

export const matMulCases = [
  { a: [17, 9], b: [9, 5], transposeA: false, transposeB: false },
  { a: [9, 17], b: [9, 5], transposeA: true, transposeB: false },
  { a: [17, 9], b: [5, 9], transposeA: false, transposeB: true },
  { a: [9, 17], b: [5, 9], transposeA: true, transposeB: true },
  { a: [3, 4, 6], b: [3, 5, 6], transposeA: false, transposeB: true },
  // The SIMD matmul's 8-wide column tiles with a scalar tail (N = 19) and a partial row tile (M = 21).
  { a: [33, 21], b: [33, 19], transposeA: true, transposeB: false },
  { a: [21, 33], b: [19, 33], transposeA: false, transposeB: true },
  { a: [1, 22, 40], b: [1, 24, 40], transposeA: false, transposeB: true },
];

/** The product and both gradients (which run the transposed products of a dense layer's backward pass). */
export function matMulAndGradients(transposeA: boolean, transposeB: boolean) {
  return (left: tf.Tensor, right: tf.Tensor) => {
    const product = (p: tf.Tensor, q: tf.Tensor) => tf.matMul(p, q, transposeA, transposeB);
    const [da, db] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.square(product(p, q))))([left, right]);
    return [product(left, right), da as tf.Tensor, db as tf.Tensor];
  };
}

/** conv2d, and both its gradients (Conv2DBackpropInput, Conv2DBackpropFilter) under a random upstream gradient. */
export function convAndGradients({ x, filter, strides, pad }: ConvCase): KernelCase {
  const outShape = tf.tidy(() => tf.conv2d(tf.zeros(x) as tf.Tensor4D, tf.zeros(filter) as tf.Tensor4D, strides, pad).shape);
  // A random upstream gradient, so every output element weighs differently.
  return [
    [random(x, 1), random(filter, 2), random(outShape, 3)],
    (input, weights, upstream) => {
      const loss = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, strides, pad), upstream as tf.Tensor));
      const [dx, dw] = tf.grads(loss)([input as tf.Tensor, weights as tf.Tensor]);
      return [tf.conv2d(input as tf.Tensor4D, weights as tf.Tensor4D, strides, pad), dx as tf.Tensor, dw as tf.Tensor];
    },
  ];
}

export const maxPoolCases = [
    { x: [2, 8, 8, 3], size: 2, stride: 2, pad: 'valid' as const },
    { x: [2, 9, 9, 2], size: 3, stride: 2, pad: 'same' as const },
    { x: [1, 7, 6, 4], size: 2, stride: 1, pad: 'valid' as const },
    { x: [2, 7, 7, 3], size: 3, stride: 2, pad: 'valid' as const },
    // Disjoint windows (the SIMD kernel): 4-channel vectors plus a scalar tail, partial 'same'
    // windows on the bottom/right edge, uncovered trailing rows, 3×3/3.
    { x: [2, 9, 9, 6], size: 2, stride: 2, pad: 'same' as const },
    { x: [2, 7, 7, 8], size: 2, stride: 2, pad: 'valid' as const },
    { x: [1, 9, 10, 5], size: 3, stride: 3, pad: 'valid' as const },
  ];

/** maxPool and MaxPoolGrad under a random upstream gradient. */
export function maxPoolAndGradient({ x, size, stride, pad }: (typeof maxPoolCases)[number]): KernelCase {
  const outShape = tf.tidy(() => tf.maxPool(tf.zeros(x as [number, number, number, number]) as tf.Tensor4D, size, stride, pad).shape) as number[];
  return [
    [random(x, 4), random(outShape, 5)],
    (input, upstream) => {
      const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, size, stride, pad), upstream as tf.Tensor)))(input as tf.Tensor);
      return [tf.maxPool(input as tf.Tensor4D, size, stride, pad), dx];
    },
  ];
}

export const batchNormTrainingCases = [
    { x: [4, 6, 6, 8], shift: 0 },
    { x: [37, 5], shift: 0 }, // rows not a multiple of the 16-row blocks; a 4-wide quad and a scalar tail
    { x: [3, 9, 7], shift: 40 }, // mean ≫ spread: x − μ must come before any scaling
    { x: [64, 13, 13, 12], shift: 0.5 }, // a long sum: 10,816 rows
  ];

/**
 * On wasm: our DigitlabBatchNormMoments (given moving averages to move, momentum 0.9) and
 * DigitlabBatchNormGradient kernels; on cpu: tfjs-core's moments, tfjs-layers' moving-average
 * update op by op, and the gradient of its batchNorm by automatic differentiation.
 */
export function batchNormTrainingKernels({ x, shift }: (typeof batchNormTrainingCases)[number]): KernelCase {
  const input = random(x, 28);
  input.values = input.values.map((v) => v + shift);
  const channels = x[x.length - 1] as number;
  const gamma = random([channels], 30);
  gamma.values[0] = 0; // a dead channel: no gradient reaches x through it
  const epsilon = 1e-3;
  const momentum = 0.9;
  const movingVariance = random([channels], 31);
  movingVariance.values = movingVariance.values.map(Math.abs);
  return [
    [input, random(x, 29), gamma, random([channels], 32), movingVariance],
    (a, dy, g, m, v) => {
    const [xs, upstream, scale, movingMean, movingVariance] = [a, dy, g, m, v] as [tf.Tensor, tf.Tensor, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
    if (tf.getBackend() === 'wasm') {
      const moments = tf.engine().runKernel('DigitlabBatchNormMoments', { x: xs, movingMean, movingVariance }, { momentum }) as tf.Tensor[];
      const [mean, variance] = moments as [tf.Tensor, tf.Tensor];
      const grads = tf.engine().runKernel('DigitlabBatchNormGradient', { dy: upstream, x: xs, mean, variance, gamma: scale }, { epsilon }) as tf.Tensor[];
      return [...moments, ...grads];
    }
    // The reference: the gradient of tfjs-core's own batchNorm(x, moments(x)) by automatic differentiation.
    const axes = x.slice(0, -1).map((_, axis) => axis);
    const { mean, variance } = tf.moments(xs, axes);
    const moved = [movingMean, movingVariance].map((average, index) => tf.sub(average, tf.mul(tf.sub(average, index === 0 ? mean : variance), 1 - momentum)));
    const normalise = (p: tf.Tensor, s: tf.Tensor, o: tf.Tensor) => {
      const m = tf.moments(p, axes);
      return tf.batchNorm(p, m.mean, m.variance, o, s, epsilon);
    };
    const grads = tf.grads((p: tf.Tensor, s: tf.Tensor, o: tf.Tensor) => tf.sum(tf.mul(normalise(p, s, o), upstream)))([xs, scale, tf.zeros([channels])]);
    return [mean, variance, ...moved, ...grads];
    },
  ];
}

/** SGD-with-momentum settings the optimizer kernel is checked at, with a variable size (a 4-float SIMD body and a scalar tail). */
export const sgdMomentumCases = [
  { size: 7, momentum: 0.9, learningRate: 0.01, weightDecay: 0, nesterov: false },
  { size: 1031, momentum: 0.9, learningRate: 0.05, weightDecay: 5e-4, nesterov: false },
  { size: 1031, momentum: 0.85, learningRate: 0.1, weightDecay: 1e-3, nesterov: true },
  { size: 4099, momentum: 0.5, learningRate: 0.3, weightDecay: 0, nesterov: true },
];

/**
 * On wasm: our DigitlabSgdMomentum kernel; on cpu: the same update op by op, as @digitlab/trainer's
 * `sgd` writes it without the kernel (g + λθ, μv + g, θ − lr·step; each op rounds to float32).
 * Outputs [θ', v'].
 */
export function sgdMomentumKernel({ size, momentum, learningRate, weightDecay, nesterov }: (typeof sgdMomentumCases)[number]): KernelCase {
  return [
    [random([size], 41), random([size], 42), random([size], 43)],
    (theta, velocity, gradient) => {
      const [t, v, g] = [theta, velocity, gradient] as [tf.Tensor, tf.Tensor, tf.Tensor];
      if (tf.getBackend() === 'wasm') return tf.engine().runKernel('DigitlabSgdMomentum', { theta: t, velocity: v, gradient: g }, { momentum, learningRate, weightDecay, nesterov }) as tf.Tensor[];
      const decayed = weightDecay > 0 ? tf.add(g, tf.mul(t, weightDecay)) : g;
      const moved = tf.add(tf.mul(v, momentum), decayed);
      const step = nesterov ? tf.add(decayed, tf.mul(moved, momentum)) : moved;
      return [tf.sub(t, tf.mul(step, learningRate)), moved];
    },
  ];
}

/** Adam / AdamW settings the optimizer kernel is checked at (t: the step, for the bias corrections). */
export const adamCases = [
  { size: 7, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, learningRate: 0.001, t: 1, weightDecay: 0, decoupled: false },
  { size: 1031, beta1: 0.7, beta2: 0.9, epsilon: 1e-8, learningRate: 0.01, t: 3, weightDecay: 1e-3, decoupled: false },
  { size: 1031, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, learningRate: 0.003, t: 25, weightDecay: 0.01, decoupled: true },
  { size: 4099, beta1: 0.5, beta2: 0.99, epsilon: 1e-6, learningRate: 0.1, t: 2, weightDecay: 0, decoupled: true },
];

/**
 * On wasm: our DigitlabAdam kernel; on cpu: the same update op by op, as @digitlab/trainer's `adam` /
 * `adamw` write it without the kernel. Outputs [θ', m', v'] (m from any sign, v ≥ 0 as Adam keeps it).
 */
export function adamKernel({ size, beta1, beta2, epsilon, learningRate, t, weightDecay, decoupled }: (typeof adamCases)[number]): KernelCase {
  const [correction1, correction2] = [1 - beta1 ** t, 1 - beta2 ** t];
  const second = random([size], 53);
  second.values = second.values.map((value) => value * value);
  return [
    [random([size], 51), random([size], 52), second, random([size], 54)],
    (theta, m, v, gradient) => {
      const [th, m0, v0, g0] = [theta, m, v, gradient] as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      if (tf.getBackend() === 'wasm') {
        const attrs = { beta1, beta2, epsilon, learningRate, correction1, correction2, weightDecay, decoupled };
        return tf.engine().runKernel('DigitlabAdam', { theta: th, m: m0, v: v0, gradient: g0 }, attrs) as tf.Tensor[];
      }
      const g = !decoupled && weightDecay > 0 ? tf.add(g0, tf.mul(th, weightDecay)) : g0;
      const m1 = tf.add(tf.mul(m0, beta1), tf.mul(g, 1 - beta1));
      const v1 = tf.add(tf.mul(v0, beta2), tf.mul(tf.square(g), 1 - beta2));
      const base = decoupled && weightDecay > 0 ? tf.sub(th, tf.mul(th, learningRate * weightDecay)) : th;
      const step = tf.div(tf.div(m1, correction1), tf.add(tf.sqrt(tf.div(v1, correction2)), epsilon));
      return [tf.sub(base, tf.mul(step, learningRate)), m1, v1];
    },
  ];
}

/** Convolutions with a residual: F(4×4) (the residual in its epilogue), F(2×2) and direct (passes after them). */
export const conv2dResidualCases = [
  { x: [2, 14, 14, 16], filter: [3, 3, 16, 16], strides: 1 },
  { x: [2, 8, 8, 8], filter: [3, 3, 8, 16], strides: 1 },
  { x: [2, 9, 9, 8], filter: [3, 3, 8, 12], strides: 2 },
] as const;

/**
 * On wasm: our DigitlabConv2DResidual; on cpu: relu(fused conv2d with bias + residual), the three
 * kernels it replaces (the kernel name is @digitlab/models' CONV2D_RESIDUAL_KERNEL).
 */
export function conv2dResidualKernel({ x, filter, strides }: (typeof conv2dResidualCases)[number]): KernelCase {
  const outShape = tf.tidy(() => tf.conv2d(tf.zeros([...x]) as tf.Tensor4D, tf.zeros([...filter]) as tf.Tensor4D, strides, 'same').shape);
  return [
    [random([...x], 40), random([...filter], 41), random([filter[3]], 42), random(outShape, 43)],
    (a, w, b, r) => {
      if (tf.getBackend() === 'wasm') {
        return tf.engine().runKernel('DigitlabConv2DResidual', { x: a, filter: w, bias: b, residual: r }, { strides, pad: 'same', dataFormat: 'NHWC', dilations: 1 }) as tf.Tensor;
      }
      return tf.relu(tf.add(tf.fused.conv2d({ x: a as tf.Tensor4D, filter: w as tf.Tensor4D, strides, pad: 'same', bias: b }), r));
    },
  ];
}
