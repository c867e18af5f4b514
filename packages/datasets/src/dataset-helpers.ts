/** Small dataset transformations the trainer and fine-tuning need: class filters, k-shot subsets, concatenation. */
import { type DigitDataset, PIXELS_PER_IMAGE, assertDataset, subsetDataset } from './digit-dataset.js';
import { DatasetError } from './errors.js';
import { createRandom, mixSeed, shuffleInPlace } from './random.js';
import { indicesByClass } from './stratified-split.js';

/**
 * Keeps the examples whose label is in `digits`. With `relabel`, label `digits[i]` becomes `i`
 * (e.g. digits 5-9 → labels 0-4, for transfer learning); otherwise labels are kept.
 */
export function filterClasses(dataset: DigitDataset, digits: readonly number[], { relabel = false }: { relabel?: boolean } = {}): DigitDataset {
  assertDataset(dataset, { what: 'filterClasses' });
  if (new Set(digits).size !== digits.length || digits.some((digit) => !Number.isInteger(digit) || digit < 0 || digit > 255)) {
    throw new DatasetError(`filterClasses: digits must be distinct integers in 0..255, got [${digits.join(', ')}].`);
  }
  const mapping = new Int16Array(256).fill(-1);
  digits.forEach((digit, index) => (mapping[digit] = relabel ? index : digit));
  const indices: number[] = [];
  for (let i = 0; i < dataset.size; i++) if ((mapping[dataset.labels[i] as number] as number) >= 0) indices.push(i);
  const subset = subsetDataset(dataset, indices);
  for (let i = 0; i < subset.size; i++) subset.labels[i] = mapping[subset.labels[i] as number] as number;
  return subset;
}

/**
 * `k` examples of every class present, picked by a seeded shuffle, in dataset order. Throws when a
 * class has fewer than `k` examples (naming it) rather than silently unbalancing the result.
 */
export function takePerClass(dataset: DigitDataset, k: number, seed = 0): DigitDataset {
  assertDataset(dataset, { what: 'takePerClass' });
  if (!Number.isInteger(k) || k < 0) throw new DatasetError(`takePerClass: k must be a non-negative integer, got ${String(k)}.`);
  const picked: number[] = [];
  indicesByClass(dataset).forEach((indices, label) => {
    if (!indices) return;
    if (indices.length < k) throw new DatasetError(`takePerClass: class ${label} has only ${indices.length} examples, fewer than k = ${k}. Lower k or add examples of class ${label}.`);
    const shuffled = shuffleInPlace(Int32Array.from(indices), createRandom(mixSeed(seed, label)));
    for (let i = 0; i < k; i++) picked.push(shuffled[i] as number);
  });
  picked.sort((a, b) => a - b);
  return subsetDataset(dataset, picked);
}

/** The examples of all datasets, one after another. All must be labelled, or all unlabelled. */
export function concatDatasets(datasets: readonly DigitDataset[]): DigitDataset {
  datasets.forEach((dataset, index) => assertDataset(dataset, { requireLabels: false, what: `concatDatasets: dataset ${index}` }));
  const labelled = datasets.map((dataset) => dataset.labels.length === dataset.size || dataset.size === 0);
  if (labelled.some((value) => !value) && labelled.some((value) => value)) {
    throw new DatasetError('concatDatasets: some datasets are labelled and some are not; they cannot be mixed.');
  }
  const size = datasets.reduce((sum, dataset) => sum + dataset.size, 0);
  const images = new Uint8Array(size * PIXELS_PER_IMAGE);
  const labels = new Uint8Array(labelled.every((value) => value) ? size : 0);
  let offset = 0;
  for (const dataset of datasets) {
    images.set(dataset.images, offset * PIXELS_PER_IMAGE);
    if (labels.length > 0) labels.set(dataset.labels, offset);
    offset += dataset.size;
  }
  return { images, labels, size };
}
