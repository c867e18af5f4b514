// Its own test file, so its own process: the wasm thread count is fixed when the backend starts.
// The Winograd adjoint input gradient (csrc `winograd_input_gradient` on 2 × 2 tiles of dy,
// `winograd4_input_gradient` on 4 × 4 tiles) against the cpu backend, each tile forced
// (`conv2dChoice.tile`), on the zoo's 3 × 3 stride-1 layers and on edge shapes, on the calling
// thread alone and split over the kernel pool by images.
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { random, runOn } from './__fixtures__/backends.js';
import { createWasmPlugin } from './index.js';
import { poolThresholds, type PoolKernel } from './internal/kernel-pool.js';
import { simdKernelPool } from './internal/simd-kernels.js';
import { conv2dChoice, type WinogradTile } from './kernels/conv2d.js';
import { backpropInputChoice, winogradAdjointTile } from './kernels/conv2d-backprop-input.js';
import { relativeError, tolerances } from './tolerances.js';
import { type WinogradCase, zooWinogradLayers } from './__fixtures__/winograd-cases.js';

const cases: WinogradCase[] = [
  // The zoo's layers (batch 3 here; the benches run 64).
  ...zooWinogradLayers(3),
  // The widest dy F(4×4) takes (`winogradAdjointTile`): its rounding grows with dy's channels.
  { name: 'ResNet-18 4×4×256', x: [1, 4, 4, 256], outChannels: 256, pad: 'same' },
  // Edges: dy sizes that are not multiples of 4 (tiles past OH / OW read 0 there), windows cut by
  // padding on every side, a last quad of 1-3 tiles (9 tiles an image; 3 images × 4), groups of
  // several quads ending partway, and the smallest channel counts (C = 8, CO = 8).
  { name: '5×5×8 → 8 same', x: [1, 5, 5, 8], outChannels: 8, pad: 'same' },
  { name: '6×6×8 → 8 valid', x: [3, 6, 6, 8], outChannels: 8, pad: 'valid' },
  { name: '7×7×8 → 16 same', x: [3, 7, 7, 8], outChannels: 16, pad: 'same' },
  { name: '9×9×16 → 8 valid', x: [1, 9, 9, 16], outChannels: 8, pad: 'valid' },
  { name: '9×9×8 → 24 same', x: [3, 9, 9, 8], outChannels: 24, pad: 'same' },
  { name: '13×10×24 → 12 valid', x: [3, 13, 10, 24], outChannels: 12, pad: 'valid' },
  { name: '7×6×8 → 8, padding 2/1 rows, 0/2 columns', x: [1, 7, 6, 8], outChannels: 8, pad: [[0, 0], [2, 1], [0, 2], [0, 0]] },
  { name: '11×9×16 → 32, padding 0/2 rows, 1/0 columns', x: [3, 11, 9, 16], outChannels: 32, pad: [[0, 0], [0, 2], [1, 0], [0, 0]] },
];

const tiles: WinogradTile[] = [2, 4];
const kernelOf = { 2: 'winograd_input_gradient', 4: 'winograd4_input_gradient' } as const satisfies Record<WinogradTile, PoolKernel>;

/** dx of conv2d(x, w, stride 1, pad) under a random upstream gradient (the case's seeds). */
function inputGradient({ x, outChannels, pad }: WinogradCase) {
  const filter: [number, number, number, number] = [3, 3, x[3], outChannels];
  const outShape = tf.tidy(() => tf.conv2d(tf.zeros(x) as tf.Tensor4D, tf.zeros(filter) as tf.Tensor4D, 1, pad).shape);
  return {
    inputs: [random(x, 51), random(filter, 52), random(outShape, 53)],
    compute: (input: tf.Tensor, weights: tf.Tensor, upstream: tf.Tensor) =>
      tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, weights as tf.Tensor4D, 1, pad), upstream)))(input),
  };
}

describe('winogradAdjointTile', () => {
  it('takes 4 × 4 tiles up to 256 channels of dy (every zoo layer but ResNet-18\'s 512-wide ones), 2 × 2 beyond', () => {
    expect([16, 32, 64, 128, 256].map((outChannels) => winogradAdjointTile({ outChannels }))).toEqual([4, 4, 4, 4, 4]);
    expect(winogradAdjointTile({ outChannels: 512 })).toBe(2);
  });
});

describe('the Winograd adjoint input gradient, F(2×2) and F(4×4)', () => {
  beforeAll(async () => {
    const loaded = await createWasmPlugin().load({ threads: 2 });
    expect(loaded.capabilities.kernelThreads, `our kernel pool did not start: ${String(loaded.capabilities.kernelThreadsFallback)}`).toBe(2);
  });
  afterEach(() => {
    delete conv2dChoice.tile;
    delete backpropInputChoice.force;
  });

  describe.each(cases)('$name, x $x', (adjointCase) => {
    it.each(tiles.map((tile) => ({ tile })))('F($tile×$tile) matches cpu on one thread and split over the pool by images', async ({ tile }) => {
      const { inputs, compute } = inputGradient(adjointCase);
      const cpu = await runOn('cpu', inputs, compute as (...t: tf.Tensor[]) => tf.Tensor);
      const pool = simdKernelPool(tf.engine().findBackend('wasm') as BackendWasm)!;
      const kernel = kernelOf[tile];
      const saved = { ...poolThresholds };
      try {
        backpropInputChoice.force = 'winograd';
        conv2dChoice.tile = tile;
        const results = [];
        for (const thresholds of [{ work: Infinity, floats: Infinity, wakeFloats: Infinity }, { work: 0, floats: 0, wakeFloats: 0 }]) {
          Object.assign(poolThresholds, thresholds);
          const before = pool.runs[kernel] ?? 0;
          const wasm = await runOn('wasm', inputs, compute as (...t: tf.Tensor[]) => tf.Tensor);
          expect(wasm.leaked).toBe(0);
          results.push({ wasm, split: (pool.runs[kernel] ?? 0) - before });
        }
        const [single, split] = results as [(typeof results)[0], (typeof results)[0]];
        expect(single.split, `${kernel} ran whole on the caller`).toBe(0);
        // Batch 1 has one image: nothing to split.
        expect(split.split, `${kernel} split over the pool`).toBe(adjointCase.x[0] > 1 ? 1 : 0);
        for (const { wasm } of [single, split]) {
          expect(relativeError(wasm.values[0]!, cpu.values[0]!)).toBeLessThan(tolerances.kernel);
        }
      } finally {
        Object.assign(poolThresholds, saved);
      }
    });
  });
});
