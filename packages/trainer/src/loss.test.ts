import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { describeEachBackend } from './__fixtures__/backend.js';
import { withAndWithoutKernel } from './__fixtures__/kernel-paths.js';
import { clipByGlobalNorm, GLOBAL_NORM_KERNEL, globalNorm } from './clip.js';
import { accuracy, l2Penalty, softmaxCrossEntropy } from './loss.js';

function byHand(logits: number[][], labels: number[], epsilon: number): number {
  let total = 0;
  logits.forEach((row, i) => {
    const max = Math.max(...row);
    const logSum = Math.log(row.reduce((sum, z) => sum + Math.exp(z - max), 0)) + max;
    row.forEach((z, k) => {
      const target = (k === labels[i] ? 1 - epsilon : 0) + epsilon / row.length;
      total -= target * (z - logSum);
    });
  });
  return total / logits.length;
}

describeEachBackend('loss', (backend) => {
  const logits = [
    [2, 0.5, -1],
    [0.1, 0.2, 3],
  ];
  const labels = [0, 1];

  it('softmax cross-entropy (with and without label smoothing) matches the formula', () => {
    for (const epsilon of [0, 0.1]) {
      const value = tf.tidy(() => softmaxCrossEntropy(tf.tensor2d(logits), tf.tensor1d(labels, 'int32'), epsilon).dataSync()[0]);
      expect(value).toBeCloseTo(byHand(logits, labels, epsilon), 5);
      const oneHot = tf.tidy(() => softmaxCrossEntropy(tf.tensor2d(logits), tf.oneHot(tf.tensor1d(labels, 'int32'), 3), epsilon).dataSync()[0]);
      expect(oneHot).toBeCloseTo(value!, 6);
    }
  });

  it('its gradient matches central finite differences', () => {
    const x = tf.tensor2d(logits);
    const y = tf.tensor1d(labels, 'int32');
    const gradient = tf.tidy(() => Array.from(tf.grad((z: tf.Tensor) => softmaxCrossEntropy(z, y, 0.1))(x).dataSync()));
    const h = 1e-3;
    const flat = logits.flat();
    flat.forEach((_, index) => {
      const bump = (delta: number) => {
        const copy = [...flat];
        copy[index]! += delta;
        return byHand([copy.slice(0, 3), copy.slice(3)], labels, 0.1);
      };
      expect(gradient[index]).toBeCloseTo((bump(h) - bump(-h)) / (2 * h), 3);
    });
    tf.dispose([x, y]);
  });

  it('accuracy, L2 and global-norm clipping', () => {
    tf.tidy(() => {
      expect(accuracy(tf.tensor2d(logits), tf.tensor1d([0, 2], 'int32')).dataSync()[0]).toBe(1);
      expect(accuracy(tf.tensor2d(logits), tf.tensor1d(labels, 'int32')).dataSync()[0]).toBe(0.5);
      // (0.1 / 2)·(1 + 4 + 9) = 0.7
      expect(l2Penalty([tf.tensor2d([[1, 2]]), tf.tensor1d([3])], 0.1).dataSync()[0]).toBeCloseTo(0.7, 6);
      const grads = [tf.tensor1d([3]), tf.tensor1d([4])]; // norm 5
      expect(globalNorm(grads).dataSync()[0]).toBeCloseTo(5, 6);
      const clipped = clipByGlobalNorm(grads, 1);
      expect(clipped.map((g) => g.dataSync()[0])).toEqual([expect.closeTo(0.6, 5), expect.closeTo(0.8, 5)]);
      expect(clipByGlobalNorm(grads, 10)[0]!.dataSync()[0]).toBeCloseTo(3, 5);
    });
  });

  it('global norm: one DigitlabGlobalNorm call where the backend registers it (wasm), closer to the float64 norm than the ops', () => {
    const registered = tf.getKernel(GLOBAL_NORM_KERNEL, tf.getBackend());
    expect(registered !== undefined).toBe(backend.name === 'wasm');
    if (!registered) return;
    const tensors = tf.tidy(() => [tf.randomNormal([3, 3, 16, 32], 0, 0.01, 'float32', 7), tf.randomNormal([32], 0, 1, 'float32', 8), tf.randomNormal([1601, 10], 0, 0.1, 'float32', 9)]);
    try {
      const { calls, fused, ops } = withAndWithoutKernel(GLOBAL_NORM_KERNEL, () => tf.tidy(() => globalNorm(tensors).dataSync()[0]!));
      let squares = 0;
      for (const tensor of tensors) for (const value of tensor.dataSync()) squares += value * value;
      const exact = Math.sqrt(squares);
      expect(calls).toBe(1);
      // The kernel sums in double (float32 blocks of 1,024): within the float32 result's rounding; the ops' float32 sums a little further.
      expect(Math.abs(fused - exact) / exact).toBeLessThan(1e-7);
      expect(Math.abs(ops - exact) / exact).toBeLessThan(1e-5);
    } finally {
      tf.dispose(tensors);
    }
  });
});
