/**
 * BatchMatMul with transposed operands. Stock wasm only reaches XNNPACK for
 * `a[1, M, K] · b[1, K, N]` without transposes; everything else falls into a scalar loop. Dense
 * layer gradients are exactly the transposed cases (dW = xᵀ·dy, dx = dy·Wᵀ):
 *
 *   out = op(a) · op(b),   op(t) = tᵀ when the matching transpose flag is set.
 *
 * With our SIMD module: its `matmul` (4 × 8 register tile, FMA in the relaxed-SIMD build) reads a
 * transposed `a` through strides; `b`, transposed or not, is first packed into contiguous K × 8
 * column slices (csrc `pack_columns`), kept per `b` tensor from its second product on (internal/packed-weights.ts:
 * a weight in repeated inference is packed twice, then never again). Seed-CNN
 * fc1 (x[64, 1600], W[1600, 128]; 26 MFLOP), min-of-7 wall ms, one thread, 3 runs at load 2.4-3.5
 * (bench/kernel-timings.mjs dense): dW = xᵀ·dy XNNPACK 3.5-3.7 → ours plain 3.4-3.8, FMA 1.6-2.5;
 * dx = dy·Wᵀ XNNPACK 5.7-6.5 → plain 4.6, FMA 3.1-3.6 (XNNPACK re-packs a new transposed `b` on
 * every call).
 * Untransposed products run there too, so that a training step stays on our kernel threads.
 * Without it, the transposes are materialised (XNNPACK Transpose) and the GEMM runs on XNNPACK.
 * Batched products (batch > 1) and non-float32 ones keep the stock kernel; _FusedMatMul: fused.ts.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { alias, input, sizeOf, type WasmKernelArgs, wasmKernel } from '../internal/heap.js';
import { stockKernel, stockTranspose, xnnMatMul } from '../internal/stock-kernels.js';
import { matmulColumnsFloats, matmulPanelFloats } from '../internal/panels.js';
import { withPackedWeight } from '../internal/packed-weights.js';
import { heapOffset, simdKernels, withScratch, type SimdKernels } from '../internal/simd-kernels.js';

function batchMatMul(args: WasmKernelArgs): TensorInfo {
  const { backend } = args;
  const a = input(args, 'BatchMatMul', 'a');
  const b = input(args, 'BatchMatMul', 'b');
  const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
  const batchA = sizeOf(a.shape.slice(0, -2));
  const batchB = sizeOf(b.shape.slice(0, -2));
  if (batchA !== 1 || batchB !== 1) return stockKernel('BatchMatMul')(args);
  const kernels = simdKernels(backend);
  if (kernels !== null && a.dtype === 'float32' && b.dtype === 'float32') {
    // Every case, untransposed too: on our kernel threads, and XNNPACK's stay idle (see conv2d.ts).
    return simdMatMul(backend, kernels, a, b, transposeA, transposeB) ?? stockKernel('BatchMatMul')(args); // stock names mismatched shapes
  }
  if (!transposeA && !transposeB) return stockKernel('BatchMatMul')(args);

  const temporaries: TensorInfo[] = [];
  const matrix = (tensor: TensorInfo, transpose: boolean): TensorInfo => {
    const rows = tensor.shape[tensor.shape.length - 2] as number;
    const cols = tensor.shape[tensor.shape.length - 1] as number;
    if (!transpose) return alias(tensor, [1, rows, cols]);
    const transposed = stockTranspose(backend, alias(tensor, [rows, cols]), [1, 0]);
    temporaries.push(transposed);
    return alias(transposed, [1, cols, rows]);
  };
  const left = matrix(a, transposeA);
  // An untransposed `b` keeps its own id and a shape of the same 2-D matrix, so the XNNPACK
  // operator cached on that id stays valid.
  const right = matrix(b, transposeB);
  const product = xnnMatMul(backend, left, right);
  for (const temporary of temporaries) backend.disposeData(temporary.dataId);
  const outRank = Math.max(a.shape.length, b.shape.length);
  return outRank === 3 ? product : alias(product, product.shape.slice(1));
}

/**
 * op(a)[M, K] · op(b)[K, N] in our SIMD module; batch dimensions (all 1) are kept as in stock.
 * null when the inner dimensions differ (the caller's stock kernel then reports it).
 */
export function simdMatMul(backend: BackendWasm, kernels: SimdKernels, a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): TensorInfo | null {
  const aRows = a.shape[a.shape.length - 2] as number;
  const aCols = a.shape[a.shape.length - 1] as number;
  const bRows = b.shape[b.shape.length - 2] as number;
  const bCols = b.shape[b.shape.length - 1] as number;
  const [rows, depth] = transposeA ? [aCols, aRows] : [aRows, aCols];
  const [bDepth, columns] = transposeB ? [bCols, bRows] : [bRows, bCols];
  if (depth !== bDepth) return null;
  const outRank = Math.max(a.shape.length, b.shape.length);
  const out = backend.makeOutput([...new Array<number>(outRank - 2).fill(1), rows, columns], 'float32');
  const [strideM, strideK] = transposeA ? [1, rows] : [depth, 1];
  const pack = (packed: number) => kernels.pack_columns(packed, heapOffset(backend, b), depth, columns, transposeB ? 1 : 0);
  withPackedWeight(backend, b, `columns:${depth}x${columns}${transposeB ? 't' : ''}`, matmulColumnsFloats(depth, columns) * 4, pack, (packed) =>
    withScratch(backend, matmulPanelFloats(rows, depth) * 4, (panel) =>
      kernels.matmul(heapOffset(backend, out), heapOffset(backend, a), packed, panel, rows, depth, columns, strideM, strideK),
    ),
  );
  return out;
}

/** Our BatchMatMul for the `wasm` backend (our SIMD module; without it, transposes + XNNPACK). */
export const batchMatMulConfig = wasmKernel('BatchMatMul', batchMatMul);
