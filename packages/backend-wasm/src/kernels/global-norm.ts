/**
 * DigitlabGlobalNorm: the global L2 norm of a list of float32 tensors, √(Σ_i ‖x_i‖²), as one kernel
 * call where `@digitlab/trainer`'s `globalNorm` makes two a tensor (Square, then Sum, each a pass
 * with a temporary as large as the tensor) and an AddN: 126 calls for resnet-mini's 62 gradients,
 * every training step. Inputs: the tensors, named "0", "1", … in order; output: a float32 scalar.
 * Each tensor's squares are summed in float32 blocks of 1,024 added in double (csrc `sum_squares`),
 * the tensors' sums in double, so the norm is at least as accurate as the ops' float32 one (not
 * bit-identical: the summation order differs, as it does between backends). NaN and ±∞ go through.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { heapF32, sizeOf, type WasmKernelArgs, wasmKernel } from '../internal/heap.js';
import { heapOffset, simdKernels } from '../internal/simd-kernels.js';

/** Kernel name (inputs "0", "1", …: the tensors; output: their global L2 norm). */
export const GLOBAL_NORM = 'DigitlabGlobalNorm';

function globalNorm(args: WasmKernelArgs): TensorInfo {
  const { backend } = args;
  const tensors = Object.keys(args.inputs).map((name, index) => {
    const tensor = args.inputs[String(index)];
    if (tensor === undefined) throw new Error(`${GLOBAL_NORM}: inputs must be named "0", "1", … in order (got "${name}" at position ${index})`);
    if (tensor.dtype !== 'float32') throw new Error(`${GLOBAL_NORM}: input "${index}" must be float32 (got ${tensor.dtype} [${tensor.shape.join(', ')}])`);
    return tensor;
  });
  const kernels = simdKernels(backend);
  let total = 0;
  for (const tensor of tensors) {
    const size = sizeOf(tensor.shape);
    if (kernels) {
      total += kernels.sum_squares(heapOffset(backend, tensor), size);
      continue;
    }
    // An engine without WebAssembly SIMD: the squares summed in double.
    const values = heapF32(backend, tensor);
    for (let i = 0; i < size; i++) total += (values[i] as number) * (values[i] as number);
  }
  const norm = backend.makeOutput([], 'float32');
  heapF32(backend, norm)[0] = Math.sqrt(total);
  return norm;
}

/** Our global-norm kernel for the `wasm` backend. */
export const globalNormConfig = wasmKernel(GLOBAL_NORM, globalNorm);
