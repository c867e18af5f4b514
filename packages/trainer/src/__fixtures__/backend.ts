/**
 * How the trainer suites run per backend: `describeEachBackend` (test-support/each-backend.ts) runs a
 * suite once on each backend in `TEST_BACKENDS` (default: every available plugin; here wasm and cpu)
 * and fails tests that leak tensors. Suites too slow for the reference `cpu` backend skip it with
 * `tooSlowOnCpu`, which puts the reason and the smaller suite that covers it on cpu in the title.
 */
import * as tf from '@tensorflow/tfjs-core';
// Gradients are registered by tfjs-layers; tests of bare tfjs-core math need them too.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { expect } from 'vitest';

export { describeEachBackend } from '../../../../test-support/each-backend.js';

/**
 * The `skip` option for a suite the `cpu` backend is too slow for (about 10x wasm on convolutions,
 * 5x on the MLP, here): `what` is skipped, `coveredBy` names the suite that runs the same capability
 * at a size cpu can afford.
 */
export function tooSlowOnCpu(what: string, coveredBy: string): { cpu: string } {
  return { cpu: `${what} take too long on cpu (5-10x wasm); ${coveredBy} covers cpu` };
}

/** Runs `body` and asserts the live tensor count is unchanged after it. */
export async function expectNoLeaks<T>(body: () => T | Promise<T>): Promise<T> {
  const before = tf.memory().numTensors;
  const result = await body();
  expect(tf.memory().numTensors).toBe(before);
  return result;
}
