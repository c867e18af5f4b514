/**
 * A batch-norm layer's training statistics and gradient as two kernels, for the channel-last
 * layout every zoo model uses (x seen as a row-major [rows, C] matrix, rows = N·H·W):
 *
 *   DigitlabBatchNormMoments   x → mean[C], variance[C] (biased), as tfjs-core's `moments`;
 *                              with movingMean, movingVariance (+ attr momentum m) also both averages
 *                              moved as tfjs-layers moves them: average − (average − batch)·(1 − m)
 *   DigitlabBatchNormGradient  dy, x, mean, variance, gamma (+ attr epsilon) → dx, dgamma, dbeta
 *
 * with s = 1/√(σ² + ε), a = γ·s and N = rows:
 *
 *   dbeta = Σ dy,   dgamma = s·Σ dy·(x − μ),
 *   dx = dy·a + (x − μ)·b + c,   b = −a·s²·Σ dy·(x − μ)/N,   c = −a·Σ dy/N
 *
 * tfjs-core's `moments` makes five passes over x (mean; x − μ written; its square written; their
 * mean) and @digitlab/models' closed-form gradient eight (x − μ, dy·(x − μ) and dx's four products
 * and sums each write a temporary as large as x). Here the statistics read x twice and write
 * nothing (csrc `column_sums`, `centred_square_sums`); the gradient reads dy and x once for both
 * sums (`batch_norm_gradient_sums`) and once more to write dx (`batch_norm_input_gradient`). Sums are taken in float32 blocks of 16 rows, then
 * added in double (see column_sums), so they are at least as accurate as the cpu backend's.
 *
 * `@digitlab/models`' `batchNormInTraining` runs them where the current backend registers them
 * (by these names) and its own op-by-op formula everywhere else.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { heapF32, input, sizeOf, type WasmKernelArgs, wasmKernel } from '../internal/heap.js';
import { heapFloats, heapOffset, simdKernels, withScratch } from '../internal/simd-kernels.js';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** Kernel name: batch statistics over every axis but the last (input `x`; outputs mean, variance; with inputs movingMean, movingVariance and attr momentum also the moved averages). */
export const BATCH_NORM_MOMENTS = 'DigitlabBatchNormMoments';
/** Kernel name: a batch-norm layer's gradient (inputs dy, x, mean, variance, gamma; attr epsilon; outputs dx, dgamma, dbeta). */
export const BATCH_NORM_GRADIENT = 'DigitlabBatchNormGradient';

/** rows × columns of a float32 tensor seen as [rows, its last dimension]; throws on anything else. */
function matrixOf(kernelName: string, x: TensorInfo): { rows: number; columns: number } {
  const columns = x.shape[x.shape.length - 1] ?? 0;
  if (x.dtype !== 'float32' || x.shape.length < 2 || columns === 0 || sizeOf(x.shape) === 0) {
    throw new Error(`${kernelName}: x must be a non-empty float32 tensor of rank >= 2 with channels last (got ${x.dtype} [${x.shape.join(', ')}])`);
  }
  return { rows: sizeOf(x.shape) / columns, columns };
}

function expectChannels(kernelName: string, columns: number, tensors: Record<string, TensorInfo>): void {
  for (const [name, tensor] of Object.entries(tensors)) {
    if (tensor.dtype !== 'float32' || sizeOf(tensor.shape) !== columns) {
      throw new Error(`${kernelName}: ${name} must hold one float32 per channel (${columns}; got ${tensor.dtype} [${tensor.shape.join(', ')}])`);
    }
  }
}

/** Doubles at `pointer` (a scratch block's view; take it after the kernel's last allocation). */
function heapDoubles(backend: BackendWasm, pointer: number, length: number): Float64Array {
  return new Float64Array(heapFloats(backend, pointer, 0).buffer, pointer, length);
}

/**
 * The moving averages after a batch, in float32 step by step as tfjs-layers' ops compute them
 * (average − (average − batch)·(1 − m), the factor a float32 scalar), so they match stock bit for bit.
 */
function movedAverages(backend: BackendWasm, averages: TensorInfo[], batch: TensorInfo[], momentum: number): TensorInfo[] {
  const decay = Math.fround(1 - momentum);
  return averages.map((average, index) => {
    const moved = backend.makeOutput([...average.shape], 'float32');
    const [values, batchValues, out] = [heapF32(backend, average), heapF32(backend, batch[index] as TensorInfo), heapF32(backend, moved)];
    for (let j = 0; j < out.length; j++) {
      const current = values[j] as number;
      out[j] = current - Math.fround(Math.fround(current - (batchValues[j] as number)) * decay);
    }
    return moved;
  });
}

/** The moving averages a moments call was given, checked: both or neither, one float32 per channel, momentum in [0, 1]. */
function movingInputs(args: WasmKernelArgs, columns: number): { averages: TensorInfo[]; momentum: number } | null {
  const { movingMean, movingVariance } = args.inputs as Record<string, TensorInfo | undefined>;
  if (!movingMean && !movingVariance) return null;
  if (!movingMean || !movingVariance) throw new Error(`${BATCH_NORM_MOMENTS}: give both movingMean and movingVariance or neither (got only ${movingMean ? 'movingMean' : 'movingVariance'})`);
  expectChannels(BATCH_NORM_MOMENTS, columns, { movingMean, movingVariance });
  const { momentum } = args.attrs as unknown as { momentum: number };
  if (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1)) throw new Error(`${BATCH_NORM_MOMENTS}: attr momentum must be a number in [0, 1] with moving averages (got ${String(momentum)})`);
  return { averages: [movingMean, movingVariance], momentum };
}

function batchNormMoments(args: WasmKernelArgs): TensorInfo[] {
  const { backend } = args;
  const x = input(args, BATCH_NORM_MOMENTS, 'x');
  const { rows, columns } = matrixOf(BATCH_NORM_MOMENTS, x);
  const moving = movingInputs(args, columns);
  const mean = backend.makeOutput([columns], 'float32');
  const variance = backend.makeOutput([columns], 'float32');
  const kernels = simdKernels(backend);
  withScratch(backend, columns * 8, (scratch) => {
    if (kernels) {
      kernels.column_sums(heapOffset(backend, mean), heapOffset(backend, x), scratch, rows, columns);
      const [means, columnSums] = [heapF32(backend, mean), heapDoubles(backend, scratch, columns)];
      for (let j = 0; j < columns; j++) means[j] = (columnSums[j] as number) / rows;
      kernels.centred_square_sums(scratch, heapOffset(backend, x), heapOffset(backend, mean), rows, columns);
      const sums = heapDoubles(backend, scratch, columns);
      const variances = heapF32(backend, variance);
      for (let j = 0; j < columns; j++) variances[j] = (sums[j] as number) / rows;
      return;
    }
    // An engine without WebAssembly SIMD: the same sums in JS (double accumulators).
    const [values, means, variances] = [heapF32(backend, x), heapF32(backend, mean), heapF32(backend, variance)];
    const sums = new Float64Array(columns);
    for (let i = 0; i < rows * columns; i++) sums[i % columns] = (sums[i % columns] as number) + (values[i] as number);
    for (let j = 0; j < columns; j++) means[j] = (sums[j] as number) / rows;
    sums.fill(0);
    for (let i = 0; i < rows * columns; i++) sums[i % columns] = (sums[i % columns] as number) + ((values[i] as number) - (means[i % columns] as number)) ** 2;
    for (let j = 0; j < columns; j++) variances[j] = (sums[j] as number) / rows;
  });
  return moving ? [mean, variance, ...movedAverages(backend, moving.averages, [mean, variance], moving.momentum)] : [mean, variance];
}

function batchNormGradient(args: WasmKernelArgs): TensorInfo[] {
  const { backend } = args;
  const [dy, x, mean, variance, gamma] = (['dy', 'x', 'mean', 'variance', 'gamma'] as const).map((name) => input(args, BATCH_NORM_GRADIENT, name)) as [TensorInfo, TensorInfo, TensorInfo, TensorInfo, TensorInfo];
  const { epsilon } = args.attrs as unknown as { epsilon: number };
  const { rows, columns } = matrixOf(BATCH_NORM_GRADIENT, x);
  if (dy.dtype !== 'float32' || dy.shape.join() !== x.shape.join()) {
    throw new Error(`${BATCH_NORM_GRADIENT}: dy must be float32 and shaped like x [${x.shape.join(', ')}] (got ${dy.dtype} [${dy.shape.join(', ')}])`);
  }
  expectChannels(BATCH_NORM_GRADIENT, columns, { mean, variance, gamma });
  if (typeof epsilon !== 'number' || !(epsilon >= 0)) throw new Error(`${BATCH_NORM_GRADIENT}: attr epsilon must be a number >= 0 (got ${String(epsilon)})`);
  const dx = backend.makeOutput([...x.shape], 'float32');
  const dgamma = backend.makeOutput([columns], 'float32');
  const dbeta = backend.makeOutput([columns], 'float32');
  const kernels = simdKernels(backend);
  // Scratch: 2·C doubles (the two sums), then 3·C floats (a, b, c).
  withScratch(backend, columns * 16 + columns * 12, (scratch) => {
    const coefficientsAt = scratch + columns * 16;
    let sums: Float64Array;
    if (kernels) {
      kernels.batch_norm_gradient_sums(scratch, heapOffset(backend, dy), heapOffset(backend, x), heapOffset(backend, mean), rows, columns);
      sums = heapDoubles(backend, scratch, 2 * columns);
    } else {
      const [gradients, values, means] = [heapF32(backend, dy), heapF32(backend, x), heapF32(backend, mean)];
      sums = new Float64Array(2 * columns);
      for (let i = 0; i < rows * columns; i++) {
        const j = i % columns;
        sums[j] = (sums[j] as number) + (gradients[i] as number);
        sums[columns + j] = (sums[columns + j] as number) + (gradients[i] as number) * ((values[i] as number) - (means[j] as number));
      }
    }
    const [means, variances, gammas] = [heapF32(backend, mean), heapF32(backend, variance), heapF32(backend, gamma)];
    const [dgammas, dbetas] = [heapF32(backend, dgamma), heapF32(backend, dbeta)];
    const coefficients = heapFloats(backend, coefficientsAt, 3 * columns);
    for (let j = 0; j < columns; j++) {
      const [sumDy, sumDyCentred] = [sums[j] as number, sums[columns + j] as number];
      const invStd = 1 / Math.sqrt((variances[j] as number) + epsilon);
      const a = (gammas[j] as number) * invStd;
      const b = (-a * invStd * invStd * sumDyCentred) / rows;
      const c = (-a * sumDy) / rows;
      coefficients[j] = a;
      coefficients[columns + j] = b;
      coefficients[2 * columns + j] = c;
      dgammas[j] = sumDyCentred * invStd;
      dbetas[j] = sumDy;
    }
    if (kernels) {
      kernels.batch_norm_input_gradient(heapOffset(backend, dx), heapOffset(backend, dy), heapOffset(backend, x), heapOffset(backend, mean), coefficientsAt, rows, columns);
      return;
    }
    const [out, gradients, values] = [heapF32(backend, dx), heapF32(backend, dy), heapF32(backend, x)];
    for (let i = 0; i < rows * columns; i++) {
      const j = i % columns;
      out[i] = (gradients[i] as number) * (coefficients[j] as number) + ((values[i] as number) - (means[j] as number)) * (coefficients[columns + j] as number) + (coefficients[2 * columns + j] as number);
    }
  });
  return [dx, dgamma, dbeta];
}

/** Our batch-norm statistics kernel for the `wasm` backend. */
export const batchNormMomentsConfig = wasmKernel(BATCH_NORM_MOMENTS, batchNormMoments);

/** Our batch-norm gradient kernel for the `wasm` backend. */
export const batchNormGradientConfig = wasmKernel(BATCH_NORM_GRADIENT, batchNormGradient);
