import { createBatches, type BatchOptions, type DigitDataset } from '@digitlab/datasets';
import type { BatchSource } from './fit.js';

/**
 * The batch source `fit` expects, over a dataset from `@digitlab/datasets`: epoch `e` yields
 * `createBatches(dataset, { ...options, epoch: e })`, shuffled and augmented reproducibly from
 * (`options.seed`, `e`) — which is what makes a resumed epoch replay the same batches.
 */
export function datasetBatches(dataset: DigitDataset, options: Omit<BatchOptions, 'epoch'>): BatchSource {
  return (epoch) => createBatches(dataset, { ...options, epoch });
}
