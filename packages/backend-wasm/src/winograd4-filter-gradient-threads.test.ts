// Its own test file, so its own process: the wasm thread count is fixed when the backend starts.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { runOn } from './__fixtures__/backends.js';
import { winogradFilterGradientCase, winogradFilterGradientCases } from './__fixtures__/winograd-filter-gradient-cases.js';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { createWasmPlugin } from './index.js';
import { poolThresholds } from './internal/kernel-pool.js';
import { detachedKernels } from './internal/detached-calls.js';
import { simdKernelPool } from './internal/simd-kernels.js';
import { conv2dChoice } from './kernels/conv2d.js';
import { relativeError, tolerances } from './tolerances.js';

describe('the Winograd filter gradient, F(2×2) and F(4×4), split over the kernel pool', () => {
  it.each(winogradFilterGradientCases)('$name: per-image pieces summed, as the cpu backend computes it', async (testCase) => {
    const loaded = await createWasmPlugin().load({ threads: 2 });
    expect(loaded.capabilities.kernelThreads, `our kernel pool did not start: ${String(loaded.capabilities.kernelThreadsFallback)}`).toBe(2);
    const [inputs, compute] = winogradFilterGradientCase(testCase);
    const cpu = await runOn('cpu', inputs, compute);
    await tf.setBackend('wasm');
    const pool = simdKernelPool(tf.backend() as BackendWasm)!;
    const saved = { ...poolThresholds };
    // Every call splits over both threads (a batch of 1 stays one piece: nothing to split), rather than run detached.
    Object.assign(poolThresholds, { work: 0, floats: 0, wakeFloats: 0 });
    detachedKernels.filterGradient = false;
    try {
      for (const [tile, kernel] of [[2, 'winograd_filter_gradient'], [4, 'winograd4_filter_gradient']] as const) {
        conv2dChoice.tile = tile;
        const before = pool.runs[kernel] ?? 0;
        const wasm = await runOn('wasm', inputs, compute);
        expect(wasm.leaked).toBe(0);
        expect(pool.runs[kernel] ?? 0, `${kernel} ran on the pool`).toBe(before + (testCase.x[0] > 1 ? 1 : 0));
        expect(relativeError(wasm.values[0]!, cpu.values[0]!), `tile ${tile}`).toBeLessThan(tolerances.kernel);
      }
    } finally {
      Object.assign(poolThresholds, saved);
      detachedKernels.filterGradient = true;
      delete conv2dChoice.tile;
    }
  });
});
