import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createBatches, imagesToTensor, toTensors } from './batches.js';
import { type DigitDataset, subsetDataset } from './digit-dataset.js';
import { DatasetError } from './errors.js';
import { MNIST_MEAN, MNIST_STD } from './normalization.js';
import { RECOMMENDED_AUGMENTATION } from './augment.js';
import { realTestSet } from './__fixtures__/real-mnist.js';

let mnist: DigitDataset;
let small: DigitDataset;

beforeAll(async () => {
  await tf.setBackend('cpu');
  mnist = await realTestSet();
  small = subsetDataset(mnist, Array.from({ length: 300 }, (_, i) => i));
});

/** The index in `dataset` of each image in a batch, found by exact pixel match. */
function sourceIndices(dataset: DigitDataset, xs: Float32Array, size: number): number[] {
  const byKey = new Map<string, number>();
  for (let i = 0; i < dataset.size; i++) byKey.set(Buffer.from(dataset.images.subarray(i * 784, (i + 1) * 784)).toString('base64'), i);
  return Array.from({ length: size }, (_, k) => {
    const bytes = Uint8Array.from(xs.subarray(k * 784, (k + 1) * 784), (value) => Math.round(value * 255));
    return byKey.get(Buffer.from(bytes).toString('base64')) ?? -1;
  });
}

function order(dataset: DigitDataset, options: Parameters<typeof createBatches>[1]): number[] {
  const indices: number[] = [];
  for (const batch of createBatches(dataset, options)) {
    indices.push(...sourceIndices(dataset, batch.xs.dataSync() as Float32Array, batch.size));
    tf.dispose([batch.xs, batch.ys]);
  }
  return indices;
}

describe('createBatches', () => {
  it('yields [b,28,28,1] float32 images and one-hot labels covering every example once', () => {
    const batches = createBatches(small, { batchSize: 64, normalization: 'unit', seed: 3 });
    expect(batches.numBatches).toBe(5);
    const seen: number[] = [];
    const sizes: number[] = [];
    for (const batch of batches) {
      expect(batch.xs.shape).toEqual([batch.size, 28, 28, 1]);
      expect(batch.xs.dtype).toBe('float32');
      expect(batch.ys.shape).toEqual([batch.size, 10]);
      const indices = sourceIndices(small, batch.xs.dataSync() as Float32Array, batch.size);
      const ys = batch.ys.arraySync();
      indices.forEach((index, k) => {
        expect(index).toBeGreaterThanOrEqual(0);
        expect(ys[k]).toEqual(Array.from({ length: 10 }, (_, c) => (c === small.labels[index] ? 1 : 0)));
      });
      seen.push(...indices);
      sizes.push(batch.size);
      tf.dispose([batch.xs, batch.ys]);
    }
    expect(sizes).toEqual([64, 64, 64, 64, 44]);
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(seen).not.toEqual(Array.from({ length: 300 }, (_, i) => i));
  });

  it('shuffles reproducibly per (seed, epoch), differently across epochs and seeds; no shuffle keeps order', () => {
    const epoch0 = order(small, { batchSize: 100, normalization: 'unit', seed: 7, epoch: 0 });
    expect(order(small, { batchSize: 100, normalization: 'unit', seed: 7, epoch: 0 })).toEqual(epoch0);
    expect(order(small, { batchSize: 100, normalization: 'unit', seed: 7, epoch: 1 })).not.toEqual(epoch0);
    expect(order(small, { batchSize: 100, normalization: 'unit', seed: 8, epoch: 0 })).not.toEqual(epoch0);
    expect(order(small, { batchSize: 100, normalization: 'unit', shuffle: false })).toEqual(Array.from({ length: 300 }, (_, i) => i));
  });

  it('normalises with the MNIST mean and std', () => {
    const [batch] = createBatches(small, { batchSize: 2, normalization: 'mnist', shuffle: false });
    const xs = batch!.xs.dataSync();
    for (let p = 0; p < 784; p++) expect(xs[p]).toBeCloseTo(((small.images[p] as number) / 255 - MNIST_MEAN) / MNIST_STD, 5);
    tf.dispose([batch!.xs, batch!.ys]);
    // Over many real images, 'mnist' normalisation is about zero-mean, unit-variance.
    const { xs: all, ys } = toTensors(subsetDataset(mnist, Array.from({ length: 2000 }, (_, i) => i)), { normalization: 'mnist' });
    const { mean, variance } = tf.moments(all);
    expect(Math.abs(mean.dataSync()[0] as number)).toBeLessThan(0.05);
    expect(Math.abs(Math.sqrt(variance.dataSync()[0] as number) - 1)).toBeLessThan(0.05);
    tf.dispose([all, ys, mean, variance]);
  });

  it('drops the remainder on request and rejects bad options with the valid choices', () => {
    expect(createBatches(small, { batchSize: 64, normalization: 'unit', dropRemainder: true }).numBatches).toBe(4);
    expect(() => createBatches(small, { batchSize: 0, normalization: 'unit' })).toThrow(/batchSize must be a positive integer, got 0/);
    expect(() => createBatches(small, { batchSize: 8, normalization: 'z' as never })).toThrow(/unknown normalization "z". Should be one of: mnist, unit/);
    expect(() => createBatches(small, { batchSize: 8, normalization: 'unit', numClasses: 5 })).toThrow(DatasetError);
    expect(() => createBatches({ images: small.images, labels: new Uint8Array(0), size: 300 }, { batchSize: 8, normalization: 'unit' })).toThrow(/unlabelled/);
  });

  it('leaks no tensor across 100 batches, augmented or not, even when a loop stops early', () => {
    const before = tf.memory().numTensors;
    let count = 0;
    for (const augment of [false, RECOMMENDED_AUGMENTATION] as const) {
      for (const batch of createBatches(mnist, { batchSize: 32, normalization: 'mnist', augment, seed: 1 })) {
        tf.dispose([batch.xs, batch.ys]);
        if (++count % 50 === 0) break;
      }
    }
    expect(count).toBe(100);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('augments reproducibly, keeps labels and changes the images', () => {
    const options = { batchSize: 300, normalization: 'unit', augment: { ...RECOMMENDED_AUGMENTATION, elastic: { alpha: 34, sigma: 4 } }, seed: 5, shuffle: false } as const;
    const [first] = createBatches(small, options);
    const [again] = createBatches(small, options);
    const [plain] = createBatches(small, { ...options, augment: false });
    const a = first!.xs.dataSync() as Float32Array;
    expect(Array.from(again!.xs.dataSync())).toEqual(Array.from(a));
    expect(Array.from(first!.ys.dataSync())).toEqual(Array.from(plain!.ys.dataSync()));
    expect(a.reduce((low: number, value: number) => Math.min(low, value), Infinity)).toBeGreaterThanOrEqual(0);
    expect(a.reduce((high: number, value: number) => Math.max(high, value), -Infinity)).toBeLessThanOrEqual(1);
    const p = plain!.xs.dataSync();
    let changed = 0;
    for (let k = 0; k < 300; k++) if (a.subarray(k * 784, (k + 1) * 784).some((value, i) => value !== p[k * 784 + i])) changed++;
    expect(changed).toBe(300);
    tf.dispose([first!.xs, first!.ys, again!.xs, again!.ys, plain!.xs, plain!.ys]);
  });
});

describe('toTensors / imagesToTensor', () => {
  it('returns the whole dataset as tensors the caller owns', () => {
    const before = tf.memory().numTensors;
    const { xs, ys } = toTensors(small, { normalization: 'unit' });
    expect(xs.shape).toEqual([300, 28, 28, 1]);
    const predicted = tf.argMax(ys, 1);
    expect(Array.from(predicted.dataSync())).toEqual(Array.from(small.labels));
    const images = imagesToTensor(small.images.subarray(0, 784 * 3), 'unit');
    expect(images.shape).toEqual([3, 28, 28, 1]);
    expect(() => imagesToTensor(new Uint8Array(100), 'unit')).toThrow(/not a whole number of 784-pixel images/);
    tf.dispose([xs, ys, images, predicted]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
