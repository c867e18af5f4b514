/**
 * Runs one computation on `cpu` and on `wasm` with the same inputs, in Node tests and in the Chromium
 * kernel page alike (nothing here touches Node).
 */
import * as tf from '@tensorflow/tfjs-core';

/** Inputs of a case: values and shape of each tensor. */
export type Inputs = { values: Float32Array; shape: number[] }[];

/** A deterministic pseudo-random Float32Array in [-1, 1) (mulberry32), so failures reproduce. */
export function randomValues(size: number, seed: number): Float32Array {
  const values = new Float32Array(size);
  let state = seed >>> 0;
  for (let i = 0; i < size; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    values[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return values;
}

/** `shape` filled by `randomValues(…, seed)`. */
export function random(shape: number[], seed: number): { values: Float32Array; shape: number[] } {
  return { values: randomValues(shape.reduce((a, b) => a * b, 1), seed), shape };
}

/**
 * Runs `compute` on `backend` with fresh input tensors built from `inputs`, returns the outputs'
 * values and checks that nothing leaked.
 */
export async function runOn(
  backend: 'cpu' | 'wasm',
  inputs: { values: Float32Array; shape: number[] }[],
  compute: (...tensors: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
): Promise<{ values: Float32Array[]; leaked: number }> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const tensors = inputs.map(({ values, shape }) => tf.tensor(values, shape, 'float32'));
  const outputs = tf.tidy(() => {
    const result = compute(...tensors);
    return Array.isArray(result) ? result : [result];
  });
  const values = await Promise.all(outputs.map(async (output) => (await output.data()) as Float32Array));
  tf.dispose([...outputs, ...tensors]);
  return { values, leaked: tf.memory().numTensors - before };
}
