// The forward convolution by Winograd F(4×4, 3×3) and F(2×2, 3×3) (conv2d.ts `forwardWinogradTile`,
// forced per case by `conv2dChoice.tile`) against the cpu backend, on the zoo's 3×3 layers and on
// edge shapes, on the calling thread alone and split over the kernel pool. Its own file, so its own
// process: the wasm thread count is fixed when the backend starts.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { random, runOn } from './__fixtures__/backends.js';
import { loadTwoThreads, poolSplits } from './__fixtures__/two-threads.js';
import { poolThresholds } from './internal/kernel-pool.js';
import { createWasmPlugin } from './plugin.js';
import { selectedSimdKernelsBuild } from './internal/simd-kernels.js';
import { conv2dChoice, forwardWinogradTile, type WinogradTile, winogradApplies } from './kernels/conv2d.js';
import { relativeError, tolerances } from './tolerances.js';
import { type WinogradCase, zooWinogradLayers } from './__fixtures__/winograd-cases.js';

// The zoo's 3×3 stride-1 layers (batch 2 here; 64 in training) and shapes whose outputs are not
// whole 4 × 4 tiles: 'same' 5, 6, 7, 9 and 'valid' 3, 7, 11 (13 in), a last quad of fewer than 4
// tiles, tiles spanning two images, asymmetric padding, C = CO = 8 and wider layers.
const cases: WinogradCase[] = [
  ...zooWinogradLayers(2),
  { name: '5×5 C=8 CO=8 same, batch 1', x: [1, 5, 5, 8], outChannels: 8, pad: 'same' },
  { name: '5×5 C=8 CO=8 valid, batch 3', x: [3, 5, 5, 8], outChannels: 8, pad: 'valid' },
  { name: '6×6 C=8 CO=16 same, batch 3', x: [3, 6, 6, 8], outChannels: 16, pad: 'same' },
  { name: '7×7 C=12 CO=8 same, batch 3', x: [3, 7, 7, 12], outChannels: 8, pad: 'same' },
  { name: '9×9 C=8 CO=24 valid, batch 1', x: [1, 9, 9, 8], outChannels: 24, pad: 'valid' },
  { name: '9×9 C=16 CO=8 same, batch 3', x: [3, 9, 9, 16], outChannels: 8, pad: 'same' },
  { name: '13×10 C=8 CO=8 valid, batch 3', x: [3, 13, 10, 8], outChannels: 8, pad: 'valid' },
  { name: '8×7 C=8 CO=8 explicit padding, batch 3', x: [3, 8, 7, 8], outChannels: 8, pad: [[0, 0], [2, 1], [0, 2], [0, 0]] },
];

describe('the forward Winograd convolution, F(4×4, 3×3) and F(2×2, 3×3), agrees with the cpu backend', () => {
  let pool: Awaited<ReturnType<typeof loadTwoThreads>>;
  beforeAll(async () => {
    pool = await loadTwoThreads();
    // Ours even for inference (conv2d.ts `conv2dChoice`): the fused kernel's forward is this path too.
    conv2dChoice.force = 'ours';
  });
  afterAll(() => {
    delete conv2dChoice.force;
    delete conv2dChoice.tile;
  });

  const kernelOf: Record<WinogradTile, 'winograd_conv3x3' | 'winograd4_conv3x3'> = { 2: 'winograd_conv3x3', 4: 'winograd4_conv3x3' };

  describe.each(cases)('$name', ({ x, outChannels, pad }) => {
    const filter = [3, 3, x[3], outChannels];
    const inputs = [random(x, 1), random(filter, 2), random([outChannels], 3)];
    // Conv2D, FusedConv2D with bias + relu (inference's path: the same Winograd kernel, the epilogue
    // applied as it stores each output), and the same epilogue as two ops after the convolution.
    const compute = (input: tf.Tensor, weights: tf.Tensor, bias: tf.Tensor) => [
      tf.conv2d(input as tf.Tensor4D, weights as tf.Tensor4D, 1, pad),
      tf.fused.conv2d({ x: input as tf.Tensor4D, filter: weights as tf.Tensor4D, strides: 1, pad, bias, activation: 'relu' }),
      tf.relu(tf.add(tf.conv2d(input as tf.Tensor4D, weights as tf.Tensor4D, 1, pad), bias)),
    ];
    let expected: Float32Array[];
    beforeAll(async () => {
      expected = (await runOn('cpu', inputs, compute)).values;
    });

    it.each(poolSplits.flatMap((split) => ([4, 2] as const).map((tile) => ({ ...split, tile }))))('F($tile×$tile) on $threads', async ({ tile, thresholds }) => {
      expect(winogradApplies({ filterHeight: 3, filterWidth: 3, strideHeight: 1, strideWidth: 1, inChannels: x[3], outChannels })).toBe(true);
      const saved = { ...poolThresholds };
      Object.assign(poolThresholds, thresholds);
      conv2dChoice.tile = tile;
      const before = { ...pool.runs };
      try {
        const wasm = await runOn('wasm', inputs, compute);
        expect(wasm.leaked).toBe(0);
        expected.forEach((values, index) => expect(relativeError(wasm.values[index]!, values), `output ${index}`).toBeLessThan(tolerances.kernel));
        // The epilogue in the kernel rounds as the separate add and relu do: bit for bit.
        expect(Array.from(wasm.values[1]!)).toEqual(Array.from(wasm.values[2]!));
        // Split by images: from 2 images on both threads ran this tile's kernel (once per convolution above: 3).
        const ran = (kernel: (typeof kernelOf)[WinogradTile]) => (pool.runs[kernel] ?? 0) - (before[kernel] ?? 0);
        const pooled = thresholds.work === 0 && x[0] > 1;
        expect(ran(kernelOf[tile]), `${kernelOf[tile]} on the pool`).toBe(pooled ? 3 : 0);
        expect(ran(kernelOf[tile === 4 ? 2 : 4])).toBe(0);
      } finally {
        Object.assign(poolThresholds, saved);
        delete conv2dChoice.tile;
      }
    });
  });

  it.each([4, 2] as const)('F($0×$0) gives exactly 0 where an output\'s 3 × 3 window is all zero, as cpu does (a digit\'s blank border)', async (tile) => {
    // Non-negative values (as after a ReLU) in a disc, zeros around it: many tiles hold both kinds of
    // pixels, so F(4×4)'s transforms mix ink into outputs whose own windows are blank.
    const [batch, side, channels, outChannels] = [3, 14, 16, 16];
    const x = random([batch, side, side, channels], 6);
    x.values.forEach((value, index) => {
      const pixel = Math.floor(index / channels);
      const [n, i, j] = [Math.floor(pixel / (side * side)), Math.floor(pixel / side) % side, pixel % side];
      x.values[index] = Math.hypot(i - 6 - n, j - 7) < 4 ? Math.abs(value) : 0;
    });
    const inputs = [x, random([3, 3, channels, outChannels], 7), random([outChannels], 8)];
    // The plain convolution, and the fused one with bias + relu (a blank window's output: relu(bias) exactly).
    const convolve = (input: tf.Tensor, weights: tf.Tensor, bias: tf.Tensor) => [
      tf.conv2d(input as tf.Tensor4D, weights as tf.Tensor4D, 1, 'same'),
      tf.fused.conv2d({ x: input as tf.Tensor4D, filter: weights as tf.Tensor4D, strides: 1, pad: 'same', bias, activation: 'relu' }),
    ];
    const [cpu, cpuFused] = (await runOn('cpu', inputs, convolve)).values as [Float32Array, Float32Array];
    conv2dChoice.tile = tile;
    const wasm = await runOn('wasm', inputs, convolve).finally(() => delete conv2dChoice.tile);
    const [ours, oursFused] = wasm.values as [Float32Array, Float32Array];
    expect(wasm.leaked).toBe(0);
    const zeros = Array.from(cpu).flatMap((value, index) => (value === 0 ? [index] : []));
    expect(zeros.length, 'blank windows in the case').toBeGreaterThan(cpu.length / 4);
    expect(zeros.filter((index) => ours[index] !== 0), 'outputs of blank windows that are not exactly 0').toEqual([]);
    expect(relativeError(ours, cpu)).toBeLessThan(tolerances.kernel);
    expect(zeros.filter((index) => oursFused[index] !== cpuFused[index]), 'fused outputs of blank windows that are not relu(bias)').toEqual([]);
    expect(relativeError(oursFused, cpuFused)).toBeLessThan(tolerances.kernel);
  });

  it('the rule takes F(4×4) on the zoo\'s layers (28, 14, 11, 7, 4) and F(2×2) where F(4×4) saves under 20% of the products or C·CO < 256', () => {
    const tile = (side: number, inChannels = 32, outChannels = 32, batch = 64) => forwardWinogradTile({ batch, outHeight: side, outWidth: side, inChannels, outChannels });
    expect([28, 14, 13, 12, 11, 7, 4, 3].map((side) => tile(side))).toEqual([4, 4, 4, 4, 4, 4, 4, 4]);
    expect([1, 2, 5, 6, 9, 10].map((side) => tile(side))).toEqual([2, 2, 2, 2, 2, 2]);
    expect(forwardWinogradTile({ batch: 64, outHeight: 28, outWidth: 2, inChannels: 32, outChannels: 32 }), '7 × 1 tiles of 16 pixels for 56').toBe(2);
    expect([tile(28, 16, 16), tile(28, 8, 64), tile(28, 64, 8), tile(28, 8, 8), tile(28, 8, 16)]).toEqual([4, 4, 4, 2, 2]);
    // Whole quads of 4 tiles: at batch 1 a 4 × 4 output is one F(4×4) tile computed as a quad of 4 (144 products
    // a channel pair) against F(2×2)'s one quad (64); 7 × 7 is one F(4×4) quad (144) against four F(2×2) quads (256).
    expect([28, 14, 7, 4].map((side) => tile(side, 128, 128, 1))).toEqual([4, 4, 4, 2]);
    expect(tile(4, 128, 128, 4), 'batch 4: four 4 × 4 images fill an F(4×4) quad').toBe(4);
  });

  it('without conv2dChoice.tile, each layer takes the tile of the rule', async () => {
    const saved = { ...poolThresholds };
    Object.assign(poolThresholds, poolSplits[1]!.thresholds);
    try {
      for (const { x, outChannels, pad } of cases.filter((c) => c.x[0] > 1)) {
        const before = { ...pool.runs };
        const geometry = tf.backend_util.computeConv2DInfo(x, [3, 3, x[3], outChannels], 1, 1, pad);
        const tile = forwardWinogradTile({ ...geometry, batch: geometry.batchSize });
        await runOn('wasm', [random(x, 4), random([3, 3, x[3], outChannels], 5)], (input, weights) => tf.conv2d(input as tf.Tensor4D, weights as tf.Tensor4D, 1, pad));
        expect((pool.runs[kernelOf[tile]] ?? 0) - (before[kernelOf[tile]] ?? 0), `${x.join('×')} → ${kernelOf[tile]}`).toBe(1);
      }
    } finally {
      Object.assign(poolThresholds, saved);
    }
  });
});

// The cases above ran the FMA build (relaxed SIMD); engines without it run the plain mul + add build.
describe('the plain (no FMA) build\'s F(4×4, 3×3) forward agrees with the cpu backend', () => {
  beforeAll(async () => {
    const loaded = await createWasmPlugin({ relaxedSimd: false }).load({ threads: 2 });
    expect(loaded.capabilities.relaxedSimd).toBe(false);
    expect(selectedSimdKernelsBuild()).toBe('plain');
    conv2dChoice.force = 'ours';
    conv2dChoice.tile = 4;
  });
  afterAll(() => {
    delete conv2dChoice.force;
    delete conv2dChoice.tile;
  });

  it.each(cases)('$name', async ({ x, outChannels, pad }) => {
    const inputs = [random(x, 8), random([3, 3, x[3], outChannels], 9)];
    const convolve = (input: tf.Tensor, weights: tf.Tensor) => tf.conv2d(input as tf.Tensor4D, weights as tf.Tensor4D, 1, pad);
    const [expected] = (await runOn('cpu', inputs, convolve)).values as [Float32Array];
    const wasm = await runOn('wasm', inputs, convolve);
    expect(wasm.leaked).toBe(0);
    expect(relativeError(wasm.values[0]!, expected)).toBeLessThan(tolerances.kernel);
  });
});
