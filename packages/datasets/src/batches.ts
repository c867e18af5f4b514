/**
 * Batches for training and evaluation. Pixels are normalised (and optionally augmented) in plain JS
 * into one Float32Array per batch, then handed to tfjs as a single `tensor4d`: one upload per batch
 * and no chain of tf ops, so a 2-core trainer spends its time in the model, not in the pipeline.
 */
import { type Tensor2D, type Tensor4D, tensor2d, tensor4d } from '@tensorflow/tfjs-core';
import { type AugmentOptions, augmentImage, createAugmentScratch, validateAugmentOptions } from './augment.js';
import { type DigitDataset, IMAGE_SIZE, PIXELS_PER_IMAGE, assertDataset } from './digit-dataset.js';
import { DatasetError } from './errors.js';
import { type Normalization, normalizationTable } from './normalization.js';
import { createRandom, mixSeed, permutation } from './random.js';

/** One batch. The consumer owns both tensors and must dispose them (`tf.dispose(batch)` or `xs.dispose(); ys.dispose()`). */
export interface Batch {
  /** `[size, 28, 28, 1]` float32, normalised. */
  xs: Tensor4D;
  /** `[size, numClasses]` float32 one-hot labels. */
  ys: Tensor2D;
  /** Examples in this batch (the last one may be smaller unless `dropRemainder`). */
  size: number;
}

/** Options of {@link createBatches}. */
export interface BatchOptions {
  batchSize: number;
  /** Shuffle the order, seeded by (`seed`, `epoch`). Default true. */
  shuffle?: boolean;
  /** Default 0. */
  seed?: number;
  /** Epoch number: each epoch gets a different, reproducible order and augmentation. Default 0. */
  epoch?: number;
  normalization: Normalization;
  /** Random transforms applied to each image, or false / omitted for none. */
  augment?: AugmentOptions | false;
  /** Width of the one-hot labels. Default 10. */
  numClasses?: number;
  /** Skip the last, smaller batch. Default false. */
  dropRemainder?: boolean;
}

/** An epoch's batches; iterating again replays the same order and augmentation. */
export interface BatchIterable extends Iterable<Batch> {
  /** Batches per pass. */
  readonly numBatches: number;
}

/**
 * The batches of one epoch. Each yielded {@link Batch} is owned by the consumer, who must dispose
 * its tensors; the pipeline creates no other tensors. Tensors are only created as the iteration
 * advances, so an abandoned loop leaks nothing.
 */
export function createBatches(dataset: DigitDataset, options: BatchOptions): BatchIterable {
  const { batchSize, shuffle = true, seed = 0, epoch = 0, normalization, augment = false, numClasses = 10, dropRemainder = false } = options;
  assertDataset(dataset, { what: 'createBatches' });
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new DatasetError(`createBatches: batchSize must be a positive integer, got ${String(batchSize)}.`);
  if (!Number.isInteger(epoch) || epoch < 0) throw new DatasetError(`createBatches: epoch must be a non-negative integer, got ${String(epoch)}.`);
  checkLabels(dataset, numClasses, 'createBatches');
  if (augment) validateAugmentOptions(augment);
  const table = normalizationTable(normalization);
  const numBatches = dropRemainder ? Math.floor(dataset.size / batchSize) : Math.ceil(dataset.size / batchSize);

  function* iterate(): Generator<Batch> {
    // Independent streams for order and augmentation, so turning augmentation on keeps the order.
    const order = shuffle ? permutation(dataset.size, createRandom(mixSeed(seed, epoch, 1))) : undefined;
    const random = createRandom(mixSeed(seed, epoch, 2));
    const scratch = createAugmentScratch();
    const augmented = new Uint8Array(PIXELS_PER_IMAGE);
    for (let batch = 0; batch < numBatches; batch++) {
      const start = batch * batchSize;
      const size = Math.min(batchSize, dataset.size - start);
      const xs = new Float32Array(size * PIXELS_PER_IMAGE);
      const ys = new Float32Array(size * numClasses);
      for (let i = 0; i < size; i++) {
        const index = order ? (order[start + i] as number) : start + i;
        let pixels = dataset.images.subarray(index * PIXELS_PER_IMAGE, (index + 1) * PIXELS_PER_IMAGE);
        if (augment) {
          augmentImage(pixels, augmented, augment, random, scratch);
          pixels = augmented;
        }
        const offset = i * PIXELS_PER_IMAGE;
        for (let p = 0; p < PIXELS_PER_IMAGE; p++) xs[offset + p] = table[pixels[p] as number] as number;
        ys[i * numClasses + (dataset.labels[index] as number)] = 1;
      }
      yield { xs: tensor4d(xs, [size, IMAGE_SIZE, IMAGE_SIZE, 1]), ys: tensor2d(ys, [size, numClasses]), size };
    }
  }
  return { numBatches, [Symbol.iterator]: iterate };
}

/** The whole dataset as two tensors (for evaluation); the caller owns and disposes them. */
export function toTensors(dataset: DigitDataset, options: { normalization: Normalization; numClasses?: number }): { xs: Tensor4D; ys: Tensor2D } {
  const numClasses = options.numClasses ?? 10;
  assertDataset(dataset, { what: 'toTensors' });
  checkLabels(dataset, numClasses, 'toTensors');
  const ys = new Float32Array(dataset.size * numClasses);
  for (let i = 0; i < dataset.size; i++) ys[i * numClasses + (dataset.labels[i] as number)] = 1;
  const xs = imagesToTensor(dataset.images, options.normalization);
  return { xs, ys: tensor2d(ys, [dataset.size, numClasses]) };
}

/** Images only (e.g. unlabelled Kaggle test data, or one preprocessed image) as `[n, 28, 28, 1]`; the caller disposes it. */
export function imagesToTensor(images: Uint8Array, normalization: Normalization): Tensor4D {
  if (images.length % PIXELS_PER_IMAGE !== 0) {
    throw new DatasetError(`imagesToTensor: ${images.length} bytes is not a whole number of 784-pixel images.`);
  }
  const table = normalizationTable(normalization);
  const xs = new Float32Array(images.length);
  for (let i = 0; i < images.length; i++) xs[i] = table[images[i] as number] as number;
  return tensor4d(xs, [images.length / PIXELS_PER_IMAGE, IMAGE_SIZE, IMAGE_SIZE, 1]);
}

function checkLabels(dataset: DigitDataset, numClasses: number, what: string): void {
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new DatasetError(`${what}: numClasses must be a positive integer, got ${String(numClasses)}.`);
  for (let i = 0; i < dataset.size; i++) {
    if ((dataset.labels[i] as number) >= numClasses) {
      throw new DatasetError(`${what}: label ${String(dataset.labels[i])} at index ${i} does not fit numClasses ${numClasses}. Raise numClasses or relabel with filterClasses(..., { relabel: true }).`);
    }
  }
}
