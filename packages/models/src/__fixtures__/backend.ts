/**
 * Test backend setup: the `cpu` backend (the reference every kernel is checked against), and a
 * helper that fails a test when it leaks tensors.
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

export async function useCpu(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
}

/** Runs `body` and asserts the live tensor count is unchanged after it. */
export async function expectNoLeaks<T>(body: () => T | Promise<T>): Promise<T> {
  const before = tf.memory().numTensors;
  const result = await body();
  expect(tf.memory().numTensors).toBe(before);
  return result;
}

/**
 * A `fetch` for tfjs's stock HTTP model loader that serves files from disk: the loader itself
 * parses model.json and resolves the weightsManifest paths, exactly as it would over HTTP.
 */
export async function fileFetch(input: RequestInfo | URL): Promise<Response> {
  const { readFile } = await import('node:fs/promises');
  return new Response(await readFile(String(input)));
}
