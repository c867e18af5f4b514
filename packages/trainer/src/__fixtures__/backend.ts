/**
 * Test backend: the first name in `TEST_BACKENDS` (default `wasm`, the engine users train on, with
 * our training kernels; about 10x faster here than `cpu`). `TEST_BACKENDS=cpu` runs the suite on
 * the reference backend instead.
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
// Gradients are registered by tfjs-layers; tests of bare tfjs-core math need them too.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { expect } from 'vitest';

export async function useTestBackend(): Promise<string> {
  const wanted = (process.env.TEST_BACKENDS ?? 'wasm').split(',')[0]!.trim();
  if (wanted === 'wasm') {
    const { createWasmPlugin } = await import('@digitlab/backend-wasm');
    await createWasmPlugin().load({ threads: 1 });
  } else {
    await tf.setBackend('cpu');
  }
  await tf.ready();
  return tf.getBackend();
}

/** Runs `body` and asserts the live tensor count is unchanged after it. */
export async function expectNoLeaks<T>(body: () => T | Promise<T>): Promise<T> {
  const before = tf.memory().numTensors;
  const result = await body();
  expect(tf.memory().numTensors).toBe(before);
  return result;
}
