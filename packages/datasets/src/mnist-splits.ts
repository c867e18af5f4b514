/** The three MNIST splits, made the same way whatever the files came from (a folder, a URL, picked files). */
import type { DigitDataset } from './digit-dataset.js';
import type { IdxArray } from './idx.js';
import type { MnistFileName } from './mnist-files.js';
import { stratifiedSplit } from './stratified-split.js';

/** Train, validation (held out of the 60,000 training images, stratified by class) and the 10,000 test images. */
export interface MnistDatasets {
  train: DigitDataset;
  validation: DigitDataset;
  test: DigitDataset;
}

/** Options shared by every MNIST loader for its split. */
export interface MnistSplitOptions {
  /** Examples held out of the 60,000 training images, stratified by class. Default 5000. */
  validationSize?: number;
  /** Seed of the validation split. Default 0. */
  seed?: number;
}

/** Pairs each images file with its labels and splits validation off the training set. */
export function splitMnist(arrays: Record<MnistFileName, IdxArray>, options: MnistSplitOptions = {}): MnistDatasets {
  const { validationSize = 5000, seed = 0 } = options;
  const { train, validation } = stratifiedSplit(mnistPart(arrays, 'train'), validationSize, seed);
  return { train, validation, test: mnistPart(arrays, 't10k') };
}

/** The training (`train`) or test (`t10k`) images with their labels, from verified IDX arrays. */
export function mnistPart(arrays: Partial<Record<MnistFileName, IdxArray>>, kind: 'train' | 't10k'): DigitDataset {
  const images = arrays[`${kind}-images-idx3-ubyte`];
  const labels = arrays[`${kind}-labels-idx1-ubyte`];
  if (!images || !labels) throw new Error(`mnistPart: the ${kind} images or labels are missing`);
  return { images: images.data as Uint8Array, labels: labels.data as Uint8Array, size: images.shape[0] as number };
}
