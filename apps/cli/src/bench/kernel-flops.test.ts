import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { beforeAll, describe, expect, it } from 'vitest';
import { kernelFlops } from './kernel-flops.js';

// seed-cnn's second convolution at batch 64: x [64, 13, 13, 32], filter 3x3x32x64, valid padding,
// output [64, 11, 11, 64]. Multiply-adds = N·Ho·Wo·Co · kh·kw·Ci = 64·11·11·64 · 3·3·32 = 142,737,408,
// so 285,474,816 FLOPs, in each of the three directions.
const conv2 = { x: [64, 13, 13, 32], filter: [3, 3, 32, 64], y: [64, 11, 11, 64] };
const conv2Flops = 285_474_816;

describe('kernelFlops', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('counts a known convolution by hand, in all three directions', () => {
    expect(2 * 64 * 11 * 11 * 64 * 3 * 3 * 32).toBe(conv2Flops);
    expect(kernelFlops({ name: 'Conv2D', inputShapes: [conv2.x, conv2.filter], outputShapes: [conv2.y] })).toBe(conv2Flops);
    expect(kernelFlops({ name: 'FusedConv2D', inputShapes: [conv2.x, conv2.filter, [64], null], outputShapes: [conv2.y] })).toBe(conv2Flops);
    expect(kernelFlops({ name: 'Conv2DBackpropInput', inputShapes: [conv2.y, conv2.filter], outputShapes: [conv2.x] })).toBe(conv2Flops);
    expect(kernelFlops({ name: 'Conv2DBackpropFilter', inputShapes: [conv2.x, conv2.y], outputShapes: [conv2.filter] })).toBe(conv2Flops);
  });

  it('equals the im2col product it is the same arithmetic as: [N·Ho·Wo, kh·kw·Ci] x [kh·kw·Ci, Co]', () => {
    const rows = 64 * 11 * 11;
    const inner = 3 * 3 * 32;
    const asMatMul = kernelFlops({ name: 'BatchMatMul', inputShapes: [[1, rows, inner], [1, inner, 64]], outputShapes: [[1, rows, 64]] });
    const transposedA = kernelFlops({ name: '_FusedMatMul', inputShapes: [[1, inner, rows], [1, inner, 64]], outputShapes: [[1, rows, 64]] });
    expect(asMatMul).toBe(conv2Flops);
    expect(transposedA).toBe(conv2Flops);
  });

  it('counts a depthwise convolution as one input channel per output', () => {
    // x [2, 8, 8, 3], filter 3x3x3x2 (multiplier 2), same padding: output [2, 8, 8, 6], 9 taps each.
    expect(kernelFlops({ name: 'DepthwiseConv2dNative', inputShapes: [[2, 8, 8, 3], [3, 3, 3, 2]], outputShapes: [[2, 8, 8, 6]] })).toBe(2 * 2 * 8 * 8 * 6 * 9);
  });

  it('gives undefined for memory-bound kernels', () => {
    for (const name of ['Relu', 'MaxPool', 'MaxPoolGrad', 'Add', 'Sum', 'FusedBatchNorm', 'Tile']) {
      expect(kernelFlops({ name, inputShapes: [[64, 26, 26, 32]], outputShapes: [[64, 13, 13, 32]] })).toBeUndefined();
    }
  });

  it('reads the shapes tf.profile really records, in the kernels\' own input order', async () => {
    // Stride 2 and same padding with an odd kernel: the output shape carries both.
    const x = tf.randomNormal([2, 9, 9, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const filter = tf.randomNormal([3, 3, 3, 4], 0, 1, 'float32', 2) as tf.Tensor4D;
    const a = tf.randomNormal([2, 5, 7], 0, 1, 'float32', 3) as tf.Tensor3D;
    const b = tf.randomNormal([2, 6, 5], 0, 1, 'float32', 4) as tf.Tensor3D;
    const before = tf.memory().numTensors;
    const info = await tf.profile(() => {
      const [dx, dFilter] = tf.grads((input: tf.Tensor, weights: tf.Tensor) => tf.sum(tf.conv2d(input as tf.Tensor4D, weights as tf.Tensor4D, 2, 'same')))([x, filter]);
      const product = tf.matMul(a, b, true, true); // [2, 7, 6], K = 5
      tf.dispose([dx, dFilter, product]);
    });
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, filter, a, b]);
    // Output [2, 5, 5, 4], 3·3·3 taps each.
    const convFlops = 2 * 2 * 5 * 5 * 4 * 3 * 3 * 3;
    const flopsOf = (name: string) => info.kernels.filter((kernel) => kernel.name === name).map((kernel) => kernelFlops(kernel));
    expect(flopsOf('Conv2D')).toEqual([convFlops]);
    expect(flopsOf('Conv2DBackpropInput')).toEqual([convFlops]);
    expect(flopsOf('Conv2DBackpropFilter')).toEqual([convFlops]);
    expect(flopsOf('BatchMatMul')).toEqual([2 * 2 * 7 * 6 * 5]);
  });
});
