/**
 * Test backend: `TEST_BACKENDS=wasm` runs the suite on our wasm plugin; the default is the `cpu`
 * backend, the reference every kernel is checked against (and always available).
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

export async function useTestBackend(): Promise<string> {
  const wanted = (process.env.TEST_BACKENDS ?? 'cpu').split(',')[0]!.trim();
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
