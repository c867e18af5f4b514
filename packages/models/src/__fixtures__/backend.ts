/**
 * Test helpers beside the shared `describeEachBackend` (test-support/each-backend.ts): a leak
 * check around one block, and a fetch that serves model files from disk to tfjs's stock loader.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

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
