/** A seeded split that keeps every class's share, for validation sets. */
import { type DigitDataset, assertDataset, subsetDataset } from './digit-dataset.js';
import { DatasetOptionError } from './errors.js';
import { createRandom, mixSeed, shuffleInPlace } from './random.js';

/** Indices of each label, in dataset order. */
export function indicesByClass(dataset: DigitDataset): number[][] {
  const byClass: number[][] = [];
  for (let i = 0; i < dataset.size; i++) {
    const label = dataset.labels[i] as number;
    (byClass[label] ??= []).push(i);
  }
  return byClass;
}

/**
 * Splits off `size` examples as `validation`, stratified by class: each class contributes its
 * proportional share rounded by largest remainder (so every class is within ±1 of proportional and
 * the total is exact), picked by a seeded shuffle. Both parts keep the original order.
 */
export function stratifiedSplit(dataset: DigitDataset, size: number, seed = 0): { train: DigitDataset; validation: DigitDataset } {
  assertDataset(dataset);
  if (!Number.isInteger(size) || size < 0 || size > dataset.size) {
    throw new DatasetOptionError(`stratifiedSplit: the validation size must be an integer in 0..${dataset.size} (the training images there are), got ${String(size)}. Pass a smaller validation size.`);
  }
  const byClass = indicesByClass(dataset);
  const quotas = byClass.map((indices) => ((indices?.length ?? 0) * size) / Math.max(dataset.size, 1));
  const taken = quotas.map(Math.floor);
  let remaining = size - taken.reduce((sum, count) => sum + count, 0);
  // Largest remainder; ties go to the lower label so the result does not depend on sort stability.
  const order = quotas.map((quota, label) => ({ label, remainder: quota - Math.floor(quota) })).sort((a, b) => b.remainder - a.remainder || a.label - b.label);
  for (const { label } of order) {
    if (remaining === 0) break;
    taken[label] = (taken[label] ?? 0) + 1;
    remaining--;
  }
  const inValidation = new Uint8Array(dataset.size);
  byClass.forEach((indices, label) => {
    if (!indices) return;
    const shuffled = shuffleInPlace(Int32Array.from(indices), createRandom(mixSeed(seed, label)));
    for (let i = 0; i < (taken[label] ?? 0); i++) inValidation[shuffled[i] as number] = 1;
  });
  const trainIndices: number[] = [];
  const validationIndices: number[] = [];
  for (let i = 0; i < dataset.size; i++) (inValidation[i] ? validationIndices : trainIndices).push(i);
  return { train: subsetDataset(dataset, trainIndices), validation: subsetDataset(dataset, validationIndices) };
}
