/**
 * A rough memory estimate for one training step, checked before a run folder is created: a batch
 * that cannot fit ends as "memory access out of bounds" deep in a kernel otherwise, after the run
 * folder exists.
 */
import { totalmem } from 'node:os';
import type * as tfl from '@tensorflow/tfjs-layers';
import { UsageError } from './exit-codes.js';

/**
 * The wasm heap addresses at most 2 GiB from JavaScript (tfjs passes offsets as int32: larger
 * batches fail with "offset is outside the bounds of the buffer").
 */
const WASM_HEAP_BYTES = 2 ** 31;

/**
 * Bytes one training step of `model` needs at least at `batchSize`: every layer's output (the input
 * layer's too) is kept for the backward pass, and the largest one has a gradient and its input's
 * gradient alive at once (4 bytes a value); plus weights, their gradients and two optimizer slots
 * (4 × 4 bytes a parameter). A lower bound: a batch it refuses cannot fit.
 */
export function trainingStepBytes(model: tfl.LayersModel, batchSize: number): number {
  let activations = 0;
  let largest = 0;
  for (const layer of model.layers) {
    const shapes = (Array.isArray(layer.outputShape[0]) ? layer.outputShape : [layer.outputShape]) as (number | null)[][];
    for (const shape of shapes) {
      const size = shape.reduce<number>((product, dimension) => product * (dimension ?? 1), 1);
      activations += size;
      largest = Math.max(largest, size);
    }
  }
  return batchSize * (activations + 2 * largest) * 4 + model.countParams() * 4 * 4;
}

/** Throws a UsageError naming `--batch-size` and a size that fits when one step cannot fit in memory. */
export function assertBatchFits(model: tfl.LayersModel, batchSize: number, backend: string): void {
  const limit = backend === 'wasm' ? WASM_HEAP_BYTES : totalmem() / 2;
  const needed = trainingStepBytes(model, batchSize);
  if (needed <= limit) return;
  const perImage = trainingStepBytes(model, 1) - model.countParams() * 16;
  const fits = Math.max(1, Math.floor((limit - model.countParams() * 16) / perImage));
  const gib = (bytes: number) => (bytes / 2 ** 30).toFixed(1);
  throw new UsageError(
    `--batch-size ${batchSize} needs about ${gib(needed)} GiB for one training step, more than the ${gib(limit)} GiB ${backend === 'wasm' ? 'the wasm backend can address' : 'half of this machine\'s memory'}. Pick --batch-size ${fits} or less.`,
  );
}
