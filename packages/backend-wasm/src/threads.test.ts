// Its own test file, so its own process: the wasm thread count is fixed when the backend starts.
import * as tf from '@tensorflow/tfjs-core';
import os from 'node:os';
import workerThreads from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { randomValues, runOn } from './__fixtures__/backends.js';
import { createWasmPlugin } from './index.js';
import { relativeError, tolerances } from './tolerances.js';

describe('threaded wasm in Node', () => {
  const cpus = os.cpus;
  const Worker = workerThreads.Worker;

  it('runs the threads asked for, or says why not', async () => {
    const messages: string[] = [];
    const loaded = await createWasmPlugin({ log: (message) => messages.push(message) }).load({ threads: 2 });
    expect(tf.getBackend()).toBe('wasm');
    if (loaded.capabilities.threads === 2) {
      expect(loaded.capabilities.threadsFallback).toBeUndefined();
      expect(messages).toEqual(['using wasm (simd + relaxed-simd FMA, 2 threads)']);
    } else {
      expect(loaded.capabilities.threads).toBe(1);
      expect(String(loaded.capabilities.threadsFallback)).toMatch(/threaded wasm failed to start \(.+\); using 1 thread/);
    }
    // What was patched for the start-up is back.
    expect(os.cpus).toBe(cpus);
    expect(workerThreads.Worker).toBe(Worker);
  });

  it('computes conv gradients like the cpu backend on the threaded build', async () => {
    const inputs = [
      { values: randomValues(2 * 12 * 12 * 8, 11), shape: [2, 12, 12, 8] },
      { values: randomValues(3 * 3 * 8 * 16, 12), shape: [3, 3, 8, 16] },
    ];
    const compute = (x: tf.Tensor, filter: tf.Tensor) =>
      tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'))))([x, filter]);
    const cpu = await runOn('cpu', inputs, compute as (...t: tf.Tensor[]) => tf.Tensor[]);
    const wasm = await runOn('wasm', inputs, compute as (...t: tf.Tensor[]) => tf.Tensor[]);
    expect(wasm.leaked).toBe(0);
    cpu.values.forEach((expected, index) => expect(relativeError(wasm.values[index] as Float32Array, expected)).toBeLessThan(tolerances.kernel));
  });

  it('reports the running count when asked for another one later in the process', async () => {
    const first = await createWasmPlugin().load({ threads: 2 });
    const again = await createWasmPlugin().load({ threads: 4 });
    expect(again.capabilities.threads).toBe(first.capabilities.threads);
    expect(String(again.capabilities.threadsFallback)).toMatch(/threads requested but the wasm backend runs|failed to start/);
  });
});
