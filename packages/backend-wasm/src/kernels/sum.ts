/**
 * Sum over leading axes, the reduction every bias and batch-norm gradient does (Σ over N, H, W of
 * an NHWC tensor):
 *
 *   out[j] = Σ_i x[i, j],   x seen as a row-major [rows, columns] matrix, rows = product of the
 *   reduced leading axes.
 *
 * Stock wasm first transposes so that the reduced axes are innermost (a full copy), then sums;
 * this reads x once in place with our SIMD `column_sums`, accumulating in double like the cpu
 * backend. Every other Sum (inner or mixed axes, int32, no SIMD module) keeps the stock kernel.
 */
import { util, type KernelConfig, type TensorInfo } from '@tensorflow/tfjs-core';
import { input, sizeOf, type WasmKernelArgs } from '../internal/heap.js';
import { heapOffset, simdKernels, withScratch } from '../internal/simd-kernels.js';
import { stockKernel } from '../internal/stock-kernels.js';

function sum(args: WasmKernelArgs): TensorInfo {
  const { backend } = args;
  const x = input(args, 'Sum', 'x');
  const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
  const rank = x.shape.length;
  const axes = [...new Set(util.parseAxisParam(axis, x.shape))].sort((a, b) => a - b);
  const leading = axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i);
  const kernels = leading && x.dtype === 'float32' ? simdKernels(backend) : null;
  const rows = sizeOf(x.shape.slice(0, axes.length));
  const columns = sizeOf(x.shape.slice(axes.length));
  if (!kernels || rows === 0 || columns === 0) return stockKernel('Sum')(args);
  const outShape = keepDims ? x.shape.map((dim, a) => (a < axes.length ? 1 : dim)) : x.shape.slice(axes.length);
  const out = backend.makeOutput(outShape, 'float32');
  withScratch(backend, columns * 8, (scratch) => kernels.column_sums(heapOffset(backend, out), heapOffset(backend, x), scratch, rows, columns));
  return out;
}

/** Our Sum for the `wasm` backend (leading-axes reductions in place, SIMD). */
export const sumConfig: KernelConfig = {
  kernelName: 'Sum',
  backendName: 'wasm',
  kernelFunc: sum as unknown as KernelConfig['kernelFunc'],
};
