/**
 * Filter-gradient cases of the Winograd kernels (3×3, stride 1, C % 4 = 0, CO % 8 = 0, C ≥ 8),
 * shared by the one-thread and the pooled tests of F(2×2) and F(4×4): the zoo's layers at batch 3
 * and edge shapes whose outputs are not whole 4 × 4 tiles.
 */
import * as tf from '@tensorflow/tfjs-core';
import { random, type Inputs } from './compare-backends.js';
import { type WinogradCase, zooWinogradLayers } from './winograd-cases.js';

/** A 3×3 stride-1 convolution of the filter-gradient tests. */
export type WinogradFilterGradientCase = WinogradCase;

export const winogradFilterGradientCases: WinogradFilterGradientCase[] = [
  // The zoo's Winograd layers, batch 3.
  ...zooWinogradLayers(3),
  // Outputs that are not whole 4 × 4 tiles (the last tiles' rows and columns read dy as 0), batch 1
  // and 3, C = CO = 8, a non-square image and padding on some sides only.
  { name: '5×5 same, batch 1, C = CO = 8', x: [1, 5, 5, 8], outChannels: 8, pad: 'same' },
  { name: '6×6 same, batch 3', x: [3, 6, 6, 8], outChannels: 16, pad: 'same' },
  { name: '7×7 valid (5×5 out), batch 3', x: [3, 7, 7, 12], outChannels: 8, pad: 'valid' },
  { name: '9×9 same, batch 1', x: [1, 9, 9, 8], outChannels: 24, pad: 'same' },
  { name: '13×13 valid (11×11 out), batch 1', x: [1, 13, 13, 16], outChannels: 8, pad: 'valid' },
  { name: '9×6 valid (7×4 out), batch 3', x: [3, 9, 6, 8], outChannels: 8, pad: 'valid' },
  { name: '7×6 padded top 2, bottom 1, right 2', x: [1, 7, 6, 8], outChannels: 8, pad: [[0, 0], [2, 1], [0, 2], [0, 0]] },
];

/** The case's x and a random dy of its output's shape, and Conv2DBackpropFilter of them. */
export function winogradFilterGradientCase({ x, outChannels, pad }: WinogradFilterGradientCase): [Inputs, (x: tf.Tensor, dy: tf.Tensor) => tf.Tensor] {
  const filterShape: [number, number, number, number] = [3, 3, x[3], outChannels];
  const outShape = tf.tidy(() => tf.conv2d(tf.zeros(x) as tf.Tensor4D, tf.zeros(filterShape) as tf.Tensor4D, 1, pad).shape);
  return [
    [random(x, 51), random(outShape, 52)],
    (input, dy) => tf.engine().runKernel('Conv2DBackpropFilter', { x: input, dy }, { strides: [1, 1], pad, filterShape, dataFormat: 'NHWC' }) as tf.Tensor,
  ];
}
