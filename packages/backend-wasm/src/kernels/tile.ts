/**
 * Tile: out[i₀, …, i_{r−1}] = x[i₀ mod s₀, …, i_{r−1} mod s_{r−1}], out shape sᵢ·repsᵢ (row-major).
 *
 * The batch-norm gradient tiles a [1, 1, 1, C] tensor to [N, H, W, C] every step; the stock wasm
 * kernel computes each output index with a division per axis. This one copies memory instead:
 * for each axis from the innermost out, the block of one input slice is written once and then
 * replicated repsᵢ − 1 times with `copyWithin` (a memmove), so the cost is one pass over the output.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { input, sizeOf, type WasmKernelArgs, wasmKernel } from '../internal/heap.js';
import { stockKernel } from '../internal/stock-kernels.js';

type HeapArray = Float32Array | Int32Array | Uint8Array;

function tile(args: WasmKernelArgs): TensorInfo {
  const { backend } = args;
  const x = input(args, 'Tile', 'x');
  const { reps } = args.attrs as unknown as { reps: number[] };
  // Strings do not live on the wasm heap.
  if (x.dtype === 'string' || x.shape.length === 0) return stockKernel('Tile')(args);
  const rank = x.shape.length;
  const inShape = x.shape;
  const outShape = inShape.map((dim, axis) => dim * (reps[axis] as number));
  const outInfo = backend.makeOutput(outShape, x.dtype);
  if (sizeOf(outShape) === 0) return outInfo;
  const out = backend.typedArrayFromHeap(outInfo) as HeapArray;
  const source = backend.typedArrayFromHeap(x) as HeapArray;

  // outStride[a] = elements of `out` spanned by one index step on axis a; likewise inStride.
  const outStride = new Array<number>(rank).fill(1);
  const inStride = new Array<number>(rank).fill(1);
  for (let axis = rank - 2; axis >= 0; axis--) {
    outStride[axis] = (outStride[axis + 1] as number) * (outShape[axis + 1] as number);
    inStride[axis] = (inStride[axis + 1] as number) * (inShape[axis + 1] as number);
  }
  // Fills the out-block at `outOffset` for axis `axis` from the input slice at `inOffset`.
  const fill = (axis: number, inOffset: number, outOffset: number): void => {
    const dim = inShape[axis] as number;
    const step = outStride[axis] as number;
    if (axis === rank - 1) {
      out.set(source.subarray(inOffset, inOffset + dim), outOffset);
    } else {
      for (let i = 0; i < dim; i++) fill(axis + 1, inOffset + i * (inStride[axis] as number), outOffset + i * step);
    }
    const chunk = dim * step;
    for (let rep = 1; rep < (reps[axis] as number); rep++) out.copyWithin(outOffset + rep * chunk, outOffset, outOffset + chunk);
  };
  fill(0, 0, 0);
  return outInfo;
}

/** Our Tile for the `wasm` backend. */
export const tileConfig = wasmKernel('Tile', tile);
