// DigitlabConv2DResidual (kernels/fused.ts): relu((x ⊛ filter + bias) + residual), a ResNet block's
// last convolution, shortcut add and ReLU in one call, against the cpu backend and bit for bit against
// the three kernels it replaces on wasm, on the calling thread and split over the kernel pool. Its own
// file, so its own process: the wasm thread count is fixed when the backend starts.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { random, runOn } from './__fixtures__/backends.js';
import { loadTwoThreads, poolSplits } from './__fixtures__/two-threads.js';
import { WasmBackendError } from './errors.js';
import { poolThresholds } from './internal/kernel-pool.js';
import { forwardWinogradTile, winogradApplies } from './kernels/conv2d.js';
import { CONV2D_RESIDUAL } from './kernels/fused.js';
import { relativeError, tolerances } from './tolerances.js';

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
interface ResidualCase {
  name: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number;
  pad: Pad;
  bias: boolean;
  /** The forward kernel our Conv2D picks for it: the residual in F(4×4)'s epilogue, or passes after the others. */
  path: 'F(4×4)' | 'F(2×2)' | 'direct';
}

// ResNet-mini's residual convolutions (batch 2 here), and shapes that take the other kernels.
const cases: ResidualCase[] = [
  { name: 'ResNet-mini 28×28×16', x: [2, 28, 28, 16], filter: [3, 3, 16, 16], strides: 1, pad: 'same', bias: true, path: 'F(4×4)' },
  { name: 'ResNet-mini 7×7×64', x: [2, 7, 7, 64], filter: [3, 3, 64, 64], strides: 1, pad: 'same', bias: true, path: 'F(4×4)' },
  { name: 'ResNet-mini 4×4×128, no bias', x: [3, 4, 4, 128], filter: [3, 3, 128, 128], strides: 1, pad: 'same', bias: false, path: 'F(4×4)' },
  { name: '9×9 C=16 CO=16, explicit padding', x: [3, 9, 9, 16], filter: [3, 3, 16, 16], strides: 1, pad: [[0, 0], [2, 0], [1, 1], [0, 0]], bias: true, path: 'F(2×2)' },
  { name: '8×8 C=8 CO=16 same', x: [2, 8, 8, 8], filter: [3, 3, 8, 16], strides: 1, pad: 'same', bias: true, path: 'F(2×2)' },
  { name: '9×9 C=8 CO=12 stride 2', x: [2, 9, 9, 8], filter: [3, 3, 8, 12], strides: 2, pad: 'same', bias: true, path: 'direct' },
];

describe('DigitlabConv2DResidual: relu((x ⊛ filter + bias) + residual) in one call', () => {
  let pool: Awaited<ReturnType<typeof loadTwoThreads>>;
  beforeAll(async () => {
    pool = await loadTwoThreads();
  });
  const saved = { ...poolThresholds };
  afterAll(() => {
    Object.assign(poolThresholds, saved);
  });

  describe.each(cases)('$name ($path)', ({ x, filter, strides, pad, bias, path }) => {
    const outShape = tf.tidy(() => tf.conv2d(tf.zeros(x) as tf.Tensor4D, tf.zeros(filter) as tf.Tensor4D, strides, pad).shape);
    // The shortcut: values of both signs, so the relu after the add decides outputs either way.
    const inputs = [random(x, 1), random(filter, 2), random([filter[3]], 3), random(outShape, 4)];
    const separate = (input: tf.Tensor, weights: tf.Tensor, b: tf.Tensor, shortcut: tf.Tensor) => [
      tf.relu(tf.add(tf.fused.conv2d({ x: input as tf.Tensor4D, filter: weights as tf.Tensor4D, strides, pad, bias: bias ? b : undefined }), shortcut)),
    ];
    const fused = (input: tf.Tensor, weights: tf.Tensor, b: tf.Tensor, shortcut: tf.Tensor) => [
      tf.engine().runKernel(CONV2D_RESIDUAL, bias ? { x: input, filter: weights, bias: b, residual: shortcut } : { x: input, filter: weights, residual: shortcut }, {
        strides,
        pad,
        dataFormat: 'NHWC',
        dilations: 1,
      }) as tf.Tensor,
    ];
    let expected: Float32Array;
    beforeAll(async () => {
      expected = (await runOn('cpu', inputs, separate)).values[0] as Float32Array;
    });

    it.each(poolSplits)('on $threads: cpu\'s values, and bit for bit FusedConv2D + Add + Relu on wasm', async ({ thresholds }) => {
      const geometry = { batch: x[0], outHeight: outShape[1]!, outWidth: outShape[2]!, inChannels: x[3], outChannels: filter[3], filterHeight: 3, filterWidth: 3, strideHeight: strides, strideWidth: strides };
      const taken = winogradApplies(geometry) ? `F(${forwardWinogradTile(geometry)}×${forwardWinogradTile(geometry)})` : 'direct';
      expect(taken, 'the case takes the path it is named for').toBe(path);
      Object.assign(poolThresholds, thresholds);
      const before = { ...pool.runs };
      const ran = (kernel: keyof typeof before) => (pool.runs[kernel] ?? 0) - (before[kernel] ?? 0);
      try {
        const ours = await runOn('wasm', inputs, fused);
        // Split over the pool, every kernel call shows: F(4×4) adds the residual and applies relu as it stores
        // each output; the other kernels leave it to two passes (binary_channels and relu) after them.
        if (thresholds.work === 0) {
          const passes = ran('binary_channels') + ran('relu');
          if (path === 'F(4×4)') expect([ran('winograd4_conv3x3'), passes]).toEqual([1, 0]);
          else expect(passes).toBe(2);
        }
        const three = await runOn('wasm', inputs, separate);
        expect(ours.leaked + three.leaked).toBe(0);
        expect(relativeError(ours.values[0]!, expected)).toBeLessThan(tolerances.kernel);
        expect(Array.from(ours.values[0]!)).toEqual(Array.from(three.values[0]!));
        expect(Array.from(ours.values[0]!).some((value) => value === 0) && Array.from(ours.values[0]!).some((value) => value > 0), 'relu cut some outputs and kept others').toBe(true);
      } finally {
        Object.assign(poolThresholds, saved);
      }
    });
  });

  it('names the shape it needs when the residual is not the output\'s', () => {
    const [xs, w, shortcut] = [tf.ones([1, 8, 8, 8]), tf.ones([3, 3, 8, 8]), tf.ones([1, 8, 8, 4])];
    const call = () => tf.engine().runKernel(CONV2D_RESIDUAL, { x: xs, filter: w, residual: shortcut }, { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1 });
    expect(call).toThrow(WasmBackendError);
    expect(call).toThrow("adds the residual to the convolution's output, of shape [1, 8, 8, 8], but got a float32 tensor of shape [1, 8, 8, 4]");
    tf.dispose([xs, w, shortcut]);
  });
});
