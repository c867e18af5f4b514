// Weights packed once per tensor (packed-weights.ts): every later call must still see the values of
// the weight it is given, checked against the cpu backend; weights used once keep nothing, and
// packed copies of freed weights must go.
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWasm, random, randomValues } from '../__fixtures__/backends.js';
import { conv2dChoice } from '../kernels/conv2d.js';
import { relativeError, tolerances } from '../tolerances.js';
import { keptPackedWeightCount } from './packed-weights.js';

const x = random([2, 6, 6, 32], 1) as { values: Float32Array; shape: [number, number, number, number] };
const filterShape: [number, number, number, number] = [3, 3, 32, 16];
const filterSize = 3 * 3 * 32 * 16;

/** conv2d (Winograd on wasm: 3×3, stride 1, C = 32, CO = 16), its input gradient (Winograd's adjoint from C = 32 on), and two matrix products on `backend`. */
async function outputs(backend: 'cpu' | 'wasm', filterValues: Float32Array, matrixValues: Float32Array, reuse: (run: () => Float32Array[]) => void = () => {}) {
  await tf.setBackend(backend);
  const input = tf.tensor(x.values, x.shape) as tf.Tensor4D;
  const filter = tf.tensor4d(filterValues, filterShape);
  const matrix = tf.tensor2d(matrixValues, [8, 12]);
  const rows = tf.tensor2d(randomValues(3 * 8, 4), [3, 8]);
  const run = () =>
    tf.tidy(() => {
      const forward = tf.conv2d(input, filter, 1, 'same');
      const inputGradient = tf.grad((t: tf.Tensor) => tf.conv2d(t as tf.Tensor4D, filter, 1, 'same'))(input);
      return [forward, inputGradient, tf.matMul(rows, matrix), tf.matMul(matrix, rows, true, true)].map((t) => t.dataSync() as Float32Array);
    });
  try {
    reuse(run);
    return run();
  } finally {
    tf.dispose([input, filter, matrix, rows]);
  }
}

function expectAgreement(actual: Float32Array[], expected: Float32Array[]): void {
  expected.forEach((values, index) => expect(relativeError(actual[index]!, values), `output ${index}`).toBeLessThan(tolerances.kernel));
}

describe('packed weights are reused only while their tensor lives', () => {
  let backend: BackendWasm;
  beforeAll(async () => {
    await loadWasm();
    await tf.setBackend('wasm');
    backend = tf.backend() as BackendWasm;
    // Our forward kernel even where kernel threads leave inference to XNNPACK (conv2d.ts `conv2dChoice`).
    conv2dChoice.force = 'ours';
  });
  afterAll(() => {
    delete conv2dChoice.force;
  });

  it('a first use keeps nothing, later calls with one weight reuse its packing and agree with cpu; another weight is packed anew', async () => {
    const filterA = randomValues(filterSize, 2);
    const filterB = randomValues(filterSize, 12);
    const matrixA = randomValues(8 * 12, 3);
    const matrixB = randomValues(8 * 12, 13);
    const cpuA = await outputs('cpu', filterA, matrixA);
    const cpuB = await outputs('cpu', filterB, matrixB);
    expect(relativeError(cpuA[0]!, cpuB[0]!)).toBeGreaterThan(0.1); // the two weights give different answers
    const tensorsBefore = tf.memory().numTensors;
    let packedDuringReuse = 0;
    let keptAfterFirstRun = 0;
    const wasmA = await outputs('wasm', filterA, matrixA, (run) => {
      run(); // uses the filter's forward transform twice (tf.conv2d, then tf.grad's forward), every other form once
      keptAfterFirstRun = keptPackedWeightCount(backend);
      run();
      packedDuringReuse = keptPackedWeightCount(backend);
      run();
      expect(keptPackedWeightCount(backend)).toBe(packedDuringReuse); // the third run packed nothing new
    });
    expect(packedDuringReuse - keptAfterFirstRun).toBeGreaterThanOrEqual(3); // kept on their second use: the swapped filter, the matrix, the rows transposed
    expectAgreement(wasmA, cpuA);
    const wasmB = await outputs('wasm', filterB, matrixB);
    expectAgreement(wasmB, cpuB);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  it('a variable assigned new values is packed anew', async () => {
    await tf.setBackend('wasm');
    const input = tf.tensor(x.values, x.shape) as tf.Tensor4D;
    const initial = tf.tensor4d(randomValues(filterSize, 5), filterShape);
    const weights = tf.variable(initial);
    initial.dispose();
    const conv = () => tf.tidy(() => tf.conv2d(input, weights as tf.Tensor4D, 1, 'same').dataSync() as Float32Array);
    conv();
    const before = conv(); // kept from this second use on
    const next = randomValues(filterSize, 6);
    tf.tidy(() => weights.assign(tf.tensor4d(next, filterShape)));
    conv();
    const after = conv();
    await tf.setBackend('cpu');
    const expected = tf.tidy(() => tf.conv2d(tf.tensor(x.values, x.shape) as tf.Tensor4D, tf.tensor4d(next, filterShape), 1, 'same').dataSync() as Float32Array);
    expect(relativeError(after, expected)).toBeLessThan(tolerances.kernel);
    expect(relativeError(after, before)).toBeGreaterThan(0.1);
    await tf.setBackend('wasm');
    tf.dispose([input, weights]);
  });

  it('a new weight in the heap slot of a freed one is packed anew, and packed copies of freed weights are freed', async () => {
    const filters = [0, 1, 2, 3, 4].map((round) => randomValues(filterSize, 20 + round));
    const conv = (filterValues: Float32Array, onFilter: (filter: tf.Tensor) => void = () => {}) =>
      tf.tidy(() => {
        const filter = tf.tensor4d(filterValues, filterShape);
        onFilter(filter);
        const input = tf.tensor(x.values, x.shape) as tf.Tensor4D;
        tf.conv2d(input, filter, 1, 'same').dataSync(); // the first use; the second keeps the transform
        return tf.conv2d(input, filter, 1, 'same').dataSync() as Float32Array;
      });
    await tf.setBackend('cpu');
    const expected = filters.map((values) => conv(values));
    await tf.setBackend('wasm');
    const offsets = new Set<number>();
    filters.forEach((values, round) => {
      const actual = conv(values, (filter) => offsets.add(backend.dataIdMap.get(filter.dataId)!.memoryOffset));
      expect(relativeError(actual, expected[round]!), `round ${round}`).toBeLessThan(tolerances.kernel);
    });
    expect(offsets.size).toBeLessThan(filters.length); // some filter did land where a freed one was
    const kept = tf.tensor4d(filters[0]!, filterShape);
    const input = tf.tensor(x.values, x.shape) as tf.Tensor4D;
    const use = () => tf.tidy(() => tf.conv2d(input, kept, 1, 'same').dataSync());
    const keptBefore = keptPackedWeightCount(backend);
    use();
    expect(keptPackedWeightCount(backend)).toBe(keptBefore); // a first use keeps nothing (each step of a training loop)
    use();
    expect(keptPackedWeightCount(backend)).toBe(1); // only the live filter's transform remains
    tf.dispose([input, kept]);
  });
});
