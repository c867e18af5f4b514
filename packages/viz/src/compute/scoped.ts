import * as tf from '@tensorflow/tfjs-core';

/**
 * `tf.tidy` for a body that returns plain data (numbers, typed arrays, objects of them), which
 * tidy's own typing refuses: every tensor the body allocates is disposed when it returns.
 */
export function scoped<T>(body: () => T): T {
  let result!: T;
  tf.tidy(() => {
    result = body();
  });
  return result;
}
