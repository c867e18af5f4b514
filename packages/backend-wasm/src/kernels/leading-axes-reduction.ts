/**
 * Sum and Mean over leading axes, the reductions every bias and batch-norm gradient and every
 * batch-norm forward pass do (over N, H, W of an NHWC tensor), and over axes that only axes of size
 * 1 precede (global average pooling of one image: H, W of [1, H, W, C]):
 *
 *   sum[j] = Σ_i x[i, j],   mean[j] = sum[j] / rows,
 *
 * with x seen as a row-major [rows, columns] matrix, rows = product of the reduced axes (and the
 * size-1 ones before them).
 * Stock wasm first transposes so that the reduced axes are innermost (a full copy), then reduces;
 * these read x once in place with our SIMD `column_sums`, accumulating in double like the cpu
 * backend. Every other reduction (inner or mixed axes, int32, no SIMD module) keeps the stock kernel.
 */
import { util, type TensorInfo } from '@tensorflow/tfjs-core';
import { heapF32, input, sizeOf, type WasmKernelArgs, wasmKernel } from '../internal/heap.js';
import { heapOffset, simdKernels, withScratch } from '../internal/simd-kernels.js';
import { stockKernel } from '../internal/stock-kernels.js';

function reduceLeadingAxes(kernelName: 'Sum' | 'Mean', args: WasmKernelArgs): TensorInfo {
  const { backend } = args;
  const x = input(args, kernelName, 'x');
  const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
  const rank = x.shape.length;
  const axes = [...new Set(util.parseAxisParam(axis, x.shape))].sort((a, b) => a - b);
  // The reduced axes run from `first` to `end - 1` without a gap, and all axes before `first` have size 1.
  const first = axes[0] ?? 0;
  const end = first + axes.length;
  const leading = axes.length > 0 && end < rank && axes.every((a, i) => a === first + i) && x.shape.slice(0, first).every((dim) => dim === 1);
  const kernels = leading && x.dtype === 'float32' ? simdKernels(backend) : null;
  const rows = sizeOf(x.shape.slice(0, end));
  const columns = sizeOf(x.shape.slice(end));
  if (!kernels || rows === 0 || columns === 0) return stockKernel(kernelName)(args);
  const outShape = keepDims ? x.shape.map((dim, a) => (a >= first && a < end ? 1 : dim)) : x.shape.filter((_, a) => a < first || a >= end);
  const out = backend.makeOutput(outShape, 'float32');
  withScratch(backend, columns * 8, (scratch) => kernels.column_sums(heapOffset(backend, out), heapOffset(backend, x), scratch, rows, columns));
  if (kernelName === 'Mean') {
    // Divide the float32 sum, as the cpu backend does (sum, then divide by the reduced size).
    const values = heapF32(backend, out);
    for (let j = 0; j < columns; j++) values[j] = (values[j] as number) / rows;
  }
  return out;
}

/** Our Sum for the `wasm` backend (leading-axes reductions in place, SIMD). */
export const sumConfig = wasmKernel('Sum', (args) => reduceLeadingAxes('Sum', args));

/** Our Mean for the `wasm` backend (leading-axes reductions in place, SIMD). */
export const meanConfig = wasmKernel('Mean', (args) => reduceLeadingAxes('Mean', args));
