/**
 * BatchMatMul with transposed operands. Stock wasm only reaches XNNPACK for
 * `a[1, M, K] · b[1, K, N]` without transposes; everything else falls into a scalar loop. Dense
 * layer gradients are exactly the transposed cases (dW = xᵀ·dy, dx = dy·Wᵀ), so we materialise the
 * transposes (XNNPACK Transpose, O(size)) and run the GEMM through XNNPACK:
 *
 *   out = op(a) · op(b),   op(t) = tᵀ when the matching transpose flag is set.
 *
 * Batched products (batch > 1) and fused variants keep the stock kernel.
 */
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { alias, input, sizeOf, type WasmKernelArgs } from '../internal/heap.js';
import { stockKernel, stockTranspose, xnnMatMul } from '../internal/stock-kernels.js';

function batchMatMul(args: WasmKernelArgs): TensorInfo {
  const { backend } = args;
  const a = input(args, 'BatchMatMul', 'a');
  const b = input(args, 'BatchMatMul', 'b');
  const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
  const batchA = sizeOf(a.shape.slice(0, -2));
  const batchB = sizeOf(b.shape.slice(0, -2));
  if ((!transposeA && !transposeB) || batchA !== 1 || batchB !== 1) return stockKernel('BatchMatMul')(args);

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

/** Our BatchMatMul for the `wasm` backend (transposed cases through XNNPACK). */
export const batchMatMulConfig: KernelConfig = {
  kernelName: 'BatchMatMul',
  backendName: 'wasm',
  kernelFunc: batchMatMul as unknown as KernelConfig['kernelFunc'],
};
