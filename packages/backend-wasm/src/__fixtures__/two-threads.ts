// The threaded suites' set-up: the wasm backend on two threads with our kernel pool running (a test
// file is its own process, and the thread count is fixed when the backend starts), and the two ways
// each case runs on it.
import * as tf from '@tensorflow/tfjs-core';
import os from 'node:os';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { expect } from 'vitest';
import { createWasmPlugin } from '../plugin.js';
import { simdKernelPool } from '../internal/simd-kernels.js';

/** Loads wasm on two threads and returns its kernel pool; fails saying why where the pool did not start. */
export async function loadTwoThreads(): Promise<NonNullable<ReturnType<typeof simdKernelPool>>> {
  expect(os.availableParallelism(), 'this suite splits over 2 threads: run it on a machine with at least 2 cores').toBeGreaterThanOrEqual(2);
  const loaded = await createWasmPlugin().load({ threads: 2 });
  expect(loaded.capabilities.kernelThreads, `our kernel pool did not start: ${String(loaded.capabilities.kernelThreadsFallback)}`).toBe(2);
  return simdKernelPool(tf.backend() as BackendWasm)!;
}

/** `poolThresholds` that keep every call on the calling thread, and that split every call over the pool. */
export const poolSplits = [
  { threads: 'one thread', thresholds: { work: Infinity, floats: Infinity, wakeFloats: Infinity } },
  { threads: 'the pool', thresholds: { work: 0, floats: 0, wakeFloats: 0 } },
];
