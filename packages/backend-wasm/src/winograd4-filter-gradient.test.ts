import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { runOn } from './__fixtures__/backends.js';
import { winogradFilterGradientCase, winogradFilterGradientCases } from './__fixtures__/winograd-filter-gradient-cases.js';
import { conv2dChoice, winogradApplies } from './kernels/conv2d.js';
import { filterGradientTile } from './kernels/conv2d-backprop-filter.js';
import { createWasmPlugin } from './plugin.js';
import { relativeError, tolerances } from './tolerances.js';

describe('the Winograd filter gradient, F(2×2) and F(4×4), agrees with the cpu backend on one thread', () => {
  beforeAll(async () => {
    // One thread: the kernels run whole on the calling thread (the pooled runs: winograd4-filter-gradient-threads.test.ts).
    const loaded = await createWasmPlugin().load({ threads: 1 });
    expect(loaded.capabilities.kernelThreads).toBe(1);
    expect(tf.getBackend()).toBe('wasm');
  });
  afterEach(() => {
    delete conv2dChoice.tile;
  });

  it.each(winogradFilterGradientCases)('$name', async (testCase) => {
    const geometry = { filterHeight: 3, filterWidth: 3, strideHeight: 1, strideWidth: 1, inChannels: testCase.x[3], outChannels: testCase.outChannels };
    expect(winogradApplies(geometry), 'the case runs by Winograd').toBe(true);
    const [inputs, compute] = winogradFilterGradientCase(testCase);
    const cpu = await runOn('cpu', inputs, compute);
    for (const tile of [2, 4] as const) {
      conv2dChoice.tile = tile;
      const wasm = await runOn('wasm', inputs, compute);
      expect(wasm.leaked).toBe(0);
      const error = relativeError(wasm.values[0]!, cpu.values[0]!);
      expect(error, `tile ${tile}`).toBeLessThan(tolerances.kernel);
    }
  });

  it('runs F(4×4) where whole 4×4 tiles cover the output as tightly as 2×2 ones and each thread has 64 of them, F(2×2) elsewhere, unless conv2dChoice.tile says', () => {
    const tileFor = (side: number, batch = 64, threads = 1) => filterGradientTile({ batch, outHeight: side, outWidth: side }, threads);
    // The zoo's outputs at batch 64: 28, 7, 4 and 11 ('valid' 13 × 13) by F(4×4); 14 by F(2×2) (16 tiles of 4 × 4 for 49 of 2 × 2).
    expect([28, 7, 4, 11, 14].map((side) => tileFor(side))).toEqual([4, 4, 4, 4, 2]);
    expect([5, 6, 9, 12].map((side) => tileFor(side))).toEqual([2, 2, 2, 4]);
    // 4 × 4 outputs are one tile an image: 64 tiles over two threads are 32 each, too few for dU's 36 × C × CO sums.
    expect([tileFor(4, 64, 2), tileFor(4, 128, 2), tileFor(7, 64, 2), tileFor(28, 3, 2)]).toEqual([2, 4, 4, 4]);
    conv2dChoice.tile = 2;
    expect(tileFor(28)).toBe(2);
    conv2dChoice.tile = 4;
    expect(tileFor(14)).toBe(4);
  });
});
