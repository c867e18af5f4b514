import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWasm, random, runOn } from './__fixtures__/backends.js';
import {
  batchNormTrainingCases,
  conv2dResidualCases,
  conv2dResidualKernel,
  batchNormTrainingKernels,
  convAndGradients,
  convCases,
  matMulAndGradients,
  matMulCases,
  maxPoolAndGradient,
  maxPoolCases,
} from './__fixtures__/kernel-cases.js';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { selectedSimdKernelsBuild, simdKernels } from './internal/simd-kernels.js';
import { createWasmPlugin } from './plugin.js';
import { conv2dChoice } from './kernels/conv2d.js';
import { relativeError, tolerances } from './tolerances.js';

async function compare(
  inputs: { values: Float32Array; shape: number[] }[],
  compute: (...tensors: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
  tolerance: number = tolerances.kernel,
): Promise<void> {
  const cpu = await runOn('cpu', inputs, compute);
  const wasm = await runOn('wasm', inputs, compute);
  expect(wasm.leaked).toBe(0);
  expect(wasm.values.length).toBe(cpu.values.length);
  cpu.values.forEach((expected, index) => {
    const actual = wasm.values[index] as Float32Array;
    expect(relativeError(actual, expected), `output ${index}`).toBeLessThan(tolerance);
  });
}

describe('wasm training kernels agree with the cpu backend', () => {
  beforeAll(async () => {
    await loadWasm();
  });

  describe.each(convCases)('conv2d x=$x filter=$filter strides=$strides pad=$pad', ({ x, filter, strides, pad }) => {
    it('forward and both gradients (Conv2DBackpropInput, Conv2DBackpropFilter)', async () => {
      await compare(...convAndGradients({ x, filter, strides, pad }));
    });

    it('forward through our kernel and through XNNPACK, plain and fused (bias + relu)', async () => {
      for (const force of ['ours', 'stock'] as const) {
        conv2dChoice.force = force;
        try {
          await compare([random(x, 1), random(filter, 2), random([filter[3]], 3)], (input, weights, bias) => [
            tf.conv2d(input as tf.Tensor4D, weights as tf.Tensor4D, strides, pad),
            tf.fused.conv2d({ x: input as tf.Tensor4D, filter: weights as tf.Tensor4D, strides, pad, bias, activation: 'relu' }),
          ]);
        } finally {
          delete conv2dChoice.force;
        }
      }
    });
  });

  it('Conv2DBackpropInput returns the inputShape it is asked for when dy does not match it (tfjs-core spec conv2dTranspose input=8x8x8,output=4x4x8,f=8,s=1,p=same)', async () => {
    // conv2dTranspose(x, w, outputShape) runs Conv2DBackpropInput(dy = x, inputShape = outputShape): here a
    // 'same' stride-1 convolution of a 4×4 input gives 4×4, but dy is 8×8; cpu reads dy's first 4×4.
    const transpose = (x: tf.Tensor, w: tf.Tensor) => tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, [1, 4, 4, 8], 1, 'same');
    await tf.setBackend('wasm');
    const shape = tf.tidy(() => transpose(tf.ones([1, 8, 8, 8]), tf.ones([8, 8, 8, 8])).shape);
    expect(shape).toEqual([1, 4, 4, 8]);
    await compare([random([1, 8, 8, 8], 40), random([8, 8, 8, 8], 41)], transpose);
  });

  describe.each(maxPoolCases)('maxPool x=$x size=$size stride=$stride pad=$pad', (maxPoolCase) => {
    it('forward and MaxPoolGrad', async () => {
      await compare(...maxPoolAndGradient(maxPoolCase));
    });
  });

  it('MaxPoolGrad breaks ties like cpu (first maximum wins), as after a ReLU', async () => {
    // Values in {0, 1, 2}: most windows hold repeated maxima.
    const x = random([2, 8, 8, 12], 10);
    x.values = x.values.map((v) => Math.max(0, Math.round(v * 2)));
    await compare([x, random([2, 4, 4, 12], 11)], (input, upstream) =>
      tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid'), upstream as tf.Tensor)))(input as tf.Tensor),
    );
  });

  describe.each([
    { shape: [4, 6, 6, 8], axis: [0, 1, 2], keepDims: false },
    { shape: [3, 5, 7, 6], axis: [0, 1, 2], keepDims: true },
    { shape: [37, 5], axis: [0], keepDims: false },
    { shape: [2, 3, 4, 3], axis: [-4, -3], keepDims: false },
    { shape: [64, 26, 26, 3], axis: [0, 1, 2], keepDims: false }, // a long sum: 43,264 terms
    { shape: [1, 4, 4, 128], axis: [1, 2], keepDims: false }, // global average pooling of one image: after a size-1 axis, ours
    { shape: [1, 1, 3, 5, 6], axis: [2, 3], keepDims: true },
    { shape: [3, 4, 5], axis: [1, 2], keepDims: false }, // inner axes: stock kernel
    { shape: [3, 4, 5], axis: [0, 2], keepDims: true }, // mixed axes: stock kernel
  ])('sum and mean shape=$shape axis=$axis keepDims=$keepDims', ({ shape, axis, keepDims }) => {
    it('values and gradients', async () => {
      await compare([random(shape, 12)], (x) => {
        const dSum = tf.grad((a: tf.Tensor) => tf.sum(tf.square(tf.sum(a, axis, keepDims))))(x as tf.Tensor);
        const dMean = tf.grad((a: tf.Tensor) => tf.sum(tf.square(tf.mean(a, axis, keepDims))))(x as tf.Tensor);
        return [tf.sum(x as tf.Tensor, axis, keepDims), dSum, tf.mean(x as tf.Tensor, axis, keepDims), dMean];
      });
    });
  });

  describe.each([
    { x: [4, 5, 5, 8], withScale: true, withOffset: true, statisticsShape: [8] },
    { x: [3, 4, 4, 6], withScale: false, withOffset: true, statisticsShape: [6] },
    { x: [2, 3, 3, 5], withScale: true, withOffset: false, statisticsShape: [1, 1, 1, 5] },
    { x: [7, 9], withScale: true, withOffset: true, statisticsShape: [9] },
  ])('batchNorm x=$x scale=$withScale offset=$withOffset statistics=$statisticsShape', ({ x, withScale, withOffset, statisticsShape }) => {
    it('value and gradients', async () => {
      const variance = random(statisticsShape, 15);
      variance.values = variance.values.map((v) => 0.5 + Math.abs(v)); // a variance is positive
      await compare([random(x, 13), random(statisticsShape, 14), variance, random(statisticsShape, 16), random(statisticsShape, 17)], (input, mean, v, offset, scale) => {
        const normalise = (a: tf.Tensor, m: tf.Tensor, w: tf.Tensor, o: tf.Tensor, s: tf.Tensor) =>
          tf.batchNorm(a, m, w, withOffset ? o : undefined, withScale ? s : undefined, 1e-3);
        const all = [input, mean, v, offset, scale] as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        // tfjs-core 4.22 cannot record a batchNorm without scale or offset for backprop (it
        // clones the missing input, on every backend): forward value only there.
        if (!withScale || !withOffset) return [normalise(...all)];
        const grads = tf.grads((a: tf.Tensor, m: tf.Tensor, w: tf.Tensor, o: tf.Tensor, s: tf.Tensor) => tf.sum(tf.square(normalise(a, m, w, o, s))))(all);
        return [normalise(...all), ...grads];
      });
    });
  });

  describe.each([
    { a: [2, 5, 5, 8], b: [8] },
    { a: [1, 1, 1, 6], b: [3, 4, 4, 6] }, // vector first (Sub: v − x), 4-wide plus a scalar tail
    { a: [7, 3], b: [1, 3] },
    { a: [2, 3, 4], b: [2, 3, 4] }, // same shape, small: ours
    { a: [1, 4, 4, 128], b: [1, 4, 4, 128] }, // a batch-1 residual add: ours
    { a: [2, 96, 96, 1], b: [2, 96, 96, 1] }, // same shape above SMALL_SAME_SHAPE_FLOATS: stock kernel on one thread
    { a: [2, 3, 4], b: [3, 1] }, // not per-channel: stock kernel
  ])('multiply, add, sub a=$a b=$b', ({ a, b }) => {
    it('values and gradients', async () => {
      await compare([random(a, 18), random(b, 19)], (x, v) => {
        const ops = [tf.mul, tf.add, tf.sub] as const;
        return ops.flatMap((op) => {
          const f = (p: tf.Tensor, q: tf.Tensor) => op(p, q);
          const [dx, dv] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.square(f(p, q))))([x as tf.Tensor, v as tf.Tensor]);
          return [f(x as tf.Tensor, v as tf.Tensor), dx as tf.Tensor, dv as tf.Tensor];
        });
      });
    });
  });

  it('Relu\'s gradient runs as one kernel on wasm and equals tfjs-core\'s mul(dy, step(x)) on cpu to the bit', async () => {
    // 2·3·7·5 = 210 values (a scalar tail after the 4-wide loop; 8 pieces on the pool in threads.test):
    // exact zeros and NaN in x, infinite and negative upstream gradients (dy·0 = −0, ∞·0 = NaN).
    const x = random([2, 3, 7, 5], 26);
    const dy = random([2, 3, 7, 5], 27);
    x.values.set([0, -0, Number.NaN, 0, 1e-30, -1e-30, Number.NaN], 0);
    dy.values.set([Number.POSITIVE_INFINITY, -1, 2, Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY, -3, Number.NaN], 0);
    const gradients = (input: tf.Tensor, upstream: tf.Tensor) => {
      const first = tf.grad((a: tf.Tensor) => tf.relu(a))(input, upstream);
      // Second order through the fused kernel's own gradient: ∂/∂x Σ v·∂(Σ relu(x)²)/∂x = 2·v·step(x).
      const second = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.grad((b: tf.Tensor) => tf.sum(tf.square(tf.relu(b))))(a), upstream)))(input);
      return [first, second];
    };
    const cpu = await runOn('cpu', [x, dy], gradients);
    const wasm = await runOn('wasm', [x, dy], gradients);
    expect(wasm.leaked).toBe(0);
    cpu.values.forEach((expected, index) => expect(Array.from(wasm.values[index] as Float32Array), `output ${index}`).toEqual(Array.from(expected)));
    const profile = await tf.profile(() => tf.tidy(() => tf.grad((a: tf.Tensor) => tf.relu(a))(tf.ones([64]))));
    expect(profile.kernels.map((k) => k.name)).toContain('DigitlabReluGradient');
    expect(profile.kernels.map((k) => k.name)).not.toContain('Step');
  });

  it.each(conv2dResidualCases)('DigitlabConv2DResidual x=$x filter=$filter strides=$strides equals FusedConv2D + Add + Relu on cpu', async (c) => {
    await compare(...conv2dResidualKernel(c));
  });

  describe.each(batchNormTrainingCases)('batch-norm training kernels x=$x mean shift=$shift', ({ x, shift }) => {
    it('DigitlabBatchNormMoments and DigitlabBatchNormGradient equal tfjs-core\'s moments and the closed-form gradient on cpu', async () => {
      await compare(...batchNormTrainingKernels({ x, shift }));
    });
  });

  it('DigitlabBatchNormMoments names a half-given or wrong moving average and an out-of-range momentum', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const [x, averages, wrong] = [tf.ones([4, 3]), tf.zeros([3]), tf.zeros([2])];
    const moments = (inputs: tf.NamedTensorMap, momentum: unknown) => () => tf.engine().runKernel('DigitlabBatchNormMoments', { x, ...inputs }, { momentum } as unknown as tf.NamedAttrMap);
    expect(moments({ movingMean: averages }, 0.9)).toThrow('give both movingMean and movingVariance or neither (got only movingMean)');
    expect(moments({ movingMean: averages, movingVariance: wrong }, 0.9)).toThrow('movingVariance must hold one float32 per channel (3; got float32 [2])');
    expect(moments({ movingMean: averages, movingVariance: averages }, 1.5)).toThrow('attr momentum must be a number in [0, 1] with moving averages (got 1.5)');
    tf.dispose([x, averages, wrong]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('runs the SIMD module on this backend (not the JS fallbacks), its FMA build', async () => {
    await tf.setBackend('wasm');
    expect(simdKernels(tf.backend() as BackendWasm)).not.toBeNull();
    // The fixture lets Node 20 validate relaxed SIMD, so every case above ran the FMA build.
    expect(selectedSimdKernelsBuild()).toBe('relaxed');
  });

  it('Identity and same-dtype Cast share the buffer safely: each survives the other being disposed', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const x = tf.tensor1d([1.5, -2, 3]);
    const copies = [tf.clone(x), tf.cast(x, 'float32'), tf.engine().runKernel('Identity', { x }) as tf.Tensor];
    x.dispose();
    for (const copy of copies) expect(Array.from(await copy.data())).toEqual([1.5, -2, 3]);
    const converted = tf.cast(copies[0] as tf.Tensor, 'int32');
    tf.dispose(copies);
    expect(converted.dtype).toBe('int32');
    expect(Array.from(await converted.data())).toEqual([1, -2, 3]);
    converted.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('sums int32 over leading axes exactly (stock kernel)', async () => {
    await tf.setBackend('wasm');
    const values = await tf.tidy(() => tf.sum(tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2], 'int32'), [0, 1])).data();
    expect(Array.from(values)).toEqual([16, 20]);
  });

  describe.each(matMulCases)('matMul a=$a b=$b transposeA=$transposeA transposeB=$transposeB', ({ a, b, transposeA, transposeB }) => {
    it('value and both gradients', async () => {
      await compare([random(a, 6), random(b, 7)], matMulAndGradients(transposeA, transposeB));
    });
  });

  // Outside gradient recording tfjs runs the fused kernels (what layers' predict() uses): ours, with
  // relu in the epilogue and the other activations through stock kernels after it.
  describe.each(['linear', 'relu', 'elu', 'relu6', 'sigmoid', 'leakyrelu'] as const)('fused kernels, activation %s', (activation) => {
    it.each(convCases.slice(0, 10))('FusedConv2D x=$x filter=$filter strides=$strides pad=$pad, with and without bias', async ({ x, filter, strides, pad }) => {
      await compare([random(x, 8), random(filter, 9), random([filter[3]], 10)], (input, weights, bias) => [
        tf.fused.conv2d({ x: input as tf.Tensor4D, filter: weights as tf.Tensor4D, strides, pad, bias, activation, leakyreluAlpha: 0.1 }),
        tf.fused.conv2d({ x: input as tf.Tensor4D, filter: weights as tf.Tensor4D, strides, pad, activation, leakyreluAlpha: 0.1 }),
      ]);
    });

    it.each(matMulCases.filter((c) => c.a.length === 2))('_FusedMatMul a=$a b=$b transposeA=$transposeA transposeB=$transposeB', async ({ a, b, transposeA, transposeB }) => {
      const columns = transposeB ? (b[0] as number) : (b[1] as number);
      await compare([random(a, 11), random(b, 12), random([columns], 13)], (left, right, bias) => [
        tf.fused.matMul({ a: left as tf.Tensor2D, b: right as tf.Tensor2D, transposeA, transposeB, bias, activation, leakyreluAlpha: 0.1 }),
        tf.fused.matMul({ a: left as tf.Tensor2D, b: right as tf.Tensor2D, transposeA, transposeB, activation, leakyreluAlpha: 0.1 }),
      ]);
    });
  });
  // The epilogue inside our convolution kernels (conv2d.ts `ConvEpilogue`), bit for bit.
  it.each(['linear', 'relu'] as const)('FusedConv2D, activation %s, passes special values as cpu does (NaN through, −0 and −∞ to +0 under relu)', async (activation) => {
    // A 1 × 1 filter of ones over 8 output channels copies each pixel: the convolution adds nothing but +0.
    const specials = Float32Array.from([Number.NaN, -0, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, -2, 3, 0.5, -1e-30, -0, Number.NaN, 7, -5]);
    const inputs = [{ values: specials, shape: [1, 1, 12, 1] }, { values: new Float32Array(8).fill(1), shape: [1, 1, 1, 8] }, { values: Float32Array.from([0, -0, 1, -1, 0.25, 0, -0, 2]), shape: [8] }];
    const fused = (x: tf.Tensor, w: tf.Tensor, bias: tf.Tensor) => [
      tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: 1, pad: 'valid', bias, activation }),
      tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: 1, pad: 'valid', activation }),
    ];
    const cpu = await runOn('cpu', inputs, fused);
    const wasm = await runOn('wasm', inputs, fused);
    expect(wasm.values.map((values) => Array.from(values))).toEqual(cpu.values.map((values) => Array.from(values)));
  });
});

describe('Tile agrees with the cpu backend', () => {
  beforeAll(async () => {
    await loadWasm();
  });
  it.each([
    { shape: [1, 1, 1, 5], reps: [2, 3, 4, 1] },
    { shape: [2, 3], reps: [3, 2] },
    { shape: [3, 1, 2], reps: [1, 4, 3] },
    { shape: [4], reps: [3] },
  ])('tile $shape by $reps, value and gradient', async ({ shape, reps }) => {
    const outShape = shape.map((dim, axis) => dim * (reps[axis] as number));
    await compare([random(shape, 8), random(outShape, 9)], (x, upstream) => {
      const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.tile(a, reps), upstream as tf.Tensor)))(x as tf.Tensor);
      return [tf.tile(x as tf.Tensor, reps), dx];
    });
  });
  it('tiles int32 exactly', async () => {
    await loadWasm();
    const values = await tf.tidy(() => tf.tile(tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32'), [2, 1])).data();
    expect(Array.from(values)).toEqual([1, 2, 3, 4, 1, 2, 3, 4]);
  });
});

// Every case above ran the FMA build; the plain mul + add build (engines without relaxed SIMD,
// or `relaxedSimd: false`) must agree with cpu just as well.
describe('the plain (no FMA) build agrees with the cpu backend', () => {
  beforeAll(async () => {
    await loadWasm();
    const loaded = await createWasmPlugin({ relaxedSimd: false }).load();
    expect(loaded.capabilities.relaxedSimd).toBe(false);
    expect(loaded.capabilities.relaxedSimdFallback).toBeUndefined(); // turned off on purpose
    expect(selectedSimdKernelsBuild()).toBe('plain');
  });
  afterAll(async () => {
    await createWasmPlugin().load();
  });
  it.each(convCases)('conv2d x=$x filter=$filter strides=$strides pad=$pad: both gradients', async ({ x, filter, strides, pad }) => {
    const outShape = tf.tidy(() => tf.conv2d(tf.zeros(x) as tf.Tensor4D, tf.zeros(filter) as tf.Tensor4D, strides, pad).shape);
    await compare([random(x, 21), random(filter, 22), random(outShape, 23)], (input, weights, upstream) => {
      const loss = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, strides, pad), upstream as tf.Tensor));
      return tf.grads(loss)([input as tf.Tensor, weights as tf.Tensor]);
    });
  });
  it.each(matMulCases)('matMul a=$a b=$b transposeA=$transposeA transposeB=$transposeB: value and both gradients', async ({ a, b, transposeA, transposeB }) => {
    await compare([random(a, 24), random(b, 25)], matMulAndGradients(transposeA, transposeB));
  });
});
