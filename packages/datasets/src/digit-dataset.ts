/** The in-memory dataset every reader in this package returns and every other package consumes. */
import { DatasetError } from './errors.js';

/** Side of an MNIST image in pixels. */
export const IMAGE_SIZE = 28;
/** Pixels per MNIST image (28 × 28). */
export const PIXELS_PER_IMAGE = IMAGE_SIZE * IMAGE_SIZE;

/**
 * Digit images with their labels, stored flat: image `i` is
 * `images.subarray(i * 784, (i + 1) * 784)`, row-major, 0 = background, 255 = ink (MNIST polarity),
 * and its label is `labels[i]`.
 */
export interface DigitDataset {
  /** `size × 784` pixels, one byte each. */
  images: Uint8Array;
  /** `size` class indices (0-9 for digits). Empty only for unlabelled data (see `readKaggleCsv`). */
  labels: Uint8Array;
  /** Number of examples. */
  size: number;
}

/** Throws a DatasetError when `dataset`'s arrays do not match its `size`. */
export function assertDataset(dataset: DigitDataset, { requireLabels = true, what = 'dataset' } = {}): void {
  if (!Number.isInteger(dataset.size) || dataset.size < 0) {
    throw new DatasetError(`${what}: size must be a non-negative integer, got ${String(dataset.size)}.`);
  }
  if (dataset.images.length !== dataset.size * PIXELS_PER_IMAGE) {
    throw new DatasetError(
      `${what}: images has ${dataset.images.length} bytes but size ${dataset.size} needs ${dataset.size * PIXELS_PER_IMAGE} (size × 784). Build it with images and labels of the same count.`,
    );
  }
  if (dataset.labels.length !== dataset.size && (requireLabels || dataset.labels.length !== 0)) {
    throw new DatasetError(
      `${what}: labels has ${dataset.labels.length} entries but size is ${dataset.size}.` +
        (dataset.labels.length === 0 ? ' This dataset is unlabelled (e.g. Kaggle test.csv); it can only be used for prediction.' : ''),
    );
  }
}

/** The examples at `indices`, in that order, copied into a new dataset. */
export function subsetDataset(dataset: DigitDataset, indices: ArrayLike<number>): DigitDataset {
  const size = indices.length;
  const images = new Uint8Array(size * PIXELS_PER_IMAGE);
  const hasLabels = dataset.labels.length === dataset.size;
  const labels = new Uint8Array(hasLabels ? size : 0);
  for (let i = 0; i < size; i++) {
    const index = indices[i] as number;
    if (!(index >= 0 && index < dataset.size)) {
      throw new DatasetError(`subsetDataset: index ${index} is outside 0..${dataset.size - 1}.`);
    }
    images.set(dataset.images.subarray(index * PIXELS_PER_IMAGE, (index + 1) * PIXELS_PER_IMAGE), i * PIXELS_PER_IMAGE);
    if (hasLabels) labels[i] = dataset.labels[index] as number;
  }
  return { images, labels, size };
}

/** How many examples carry each label; the array is long enough for the largest label present (at least `numClasses`). */
export function countLabels(dataset: Pick<DigitDataset, 'labels'>, numClasses = 10): number[] {
  const counts: number[] = new Array<number>(numClasses).fill(0);
  for (const label of dataset.labels) counts[label] = (counts[label] ?? 0) + 1;
  for (let i = 0; i < counts.length; i++) counts[i] ??= 0;
  return counts;
}
