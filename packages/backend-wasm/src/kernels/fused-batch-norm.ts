/**
 * FusedBatchNorm (the forward pass of every batch-norm layer) with per-channel statistics, NHWC:
 *
 *   out[n, h, w, c] = (x[n, h, w, c] − mean[c]) · scale[c] / sqrt(variance[c] + ε) + offset[c]
 *
 * The per-channel factor is folded once in JS (C values), then our SIMD `batch_norm_channels`
 * streams x once, 4 channels per instruction. Statistics of any other shape (broadcast over
 * more than the last axis) keep the stock kernel.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { heapF32, input, sizeOf, type WasmKernelArgs, wasmKernel } from '../internal/heap.js';
import { heapFloats, heapOffset, simdKernels, withScratch } from '../internal/simd-kernels.js';
import { stockKernel } from '../internal/stock-kernels.js';

function fusedBatchNorm(args: WasmKernelArgs): TensorInfo {
  const { backend } = args;
  const x = input(args, 'FusedBatchNorm', 'x');
  const mean = input(args, 'FusedBatchNorm', 'mean');
  const variance = input(args, 'FusedBatchNorm', 'variance');
  const { offset, scale } = args.inputs;
  const { varianceEpsilon } = args.attrs as unknown as { varianceEpsilon: number };
  const columns = x.shape[x.shape.length - 1] ?? 0;
  const statistics = [mean, variance, offset, scale].filter((t): t is TensorInfo => t !== undefined);
  const perChannel = x.shape.length >= 1 && statistics.every((t) => t.dtype === 'float32' && sizeOf(t.shape) === columns);
  const kernels = perChannel && x.dtype === 'float32' ? simdKernels(backend) : null;
  const rows = columns === 0 ? 0 : sizeOf(x.shape) / columns;
  if (!kernels || rows === 0) return stockKernel('FusedBatchNorm')(args);
  const out = backend.makeOutput([...x.shape], 'float32');
  // Two per-channel vectors in one scratch block: factor, then offset (0 when absent).
  withScratch(backend, columns * 8, (scratch) => {
    const folded = heapFloats(backend, scratch, 2 * columns);
    const variances = heapF32(backend, variance);
    const scales = scale ? heapF32(backend, scale) : undefined;
    const offsets = offset ? heapF32(backend, offset) : undefined;
    for (let c = 0; c < columns; c++) {
      folded[c] = (scales ? (scales[c] as number) : 1) / Math.sqrt((variances[c] as number) + varianceEpsilon);
      folded[columns + c] = offsets ? (offsets[c] as number) : 0;
    }
    kernels.batch_norm_channels(heapOffset(backend, out), heapOffset(backend, x), heapOffset(backend, mean), scratch, scratch + 4 * columns, rows, columns);
  });
  return out;
}

/** Our FusedBatchNorm for the `wasm` backend (per-channel statistics, SIMD). */
export const fusedBatchNormConfig = wasmKernel('FusedBatchNorm', fusedBatchNorm);
