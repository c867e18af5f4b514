import * as tf from '@tensorflow/tfjs-core';
import { TensorLeakError } from './errors.js';

/**
 * Runs `body` and throws TensorLeakError when more tensors are alive afterwards than before
 * (`tf.memory().numTensors`). Variables created by `body` count as leaks too: dispose them.
 */
export async function expectNoTensorLeaks<T>(body: () => T | Promise<T>, label = 'the block'): Promise<T> {
  const { result, leaked } = await countTensorLeaks(body);
  if (leaked > 0) throw new TensorLeakError(label, leaked, tf.getBackend() ?? null);
  return result;
}

/** How many tensors are alive now on the current engine (`tf.memory().numTensors`). */
export function liveTensorCount(): number {
  return tf.memory().numTensors;
}

/** Runs `body` and reports how many more tensors are alive afterwards than before (negative when it freed some). */
export async function countTensorLeaks<T>(body: () => T | Promise<T>): Promise<{ result: T; leaked: number }> {
  const before = liveTensorCount();
  const result = await body();
  return { result, leaked: liveTensorCount() - before };
}
