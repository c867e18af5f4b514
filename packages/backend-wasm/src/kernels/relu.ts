/**
 * Relu where our kernel pool splits it: csrc `relu` (out = max(x, 0), NaN through, −0 to +0, as the
 * cpu backend), cut by elements over the pool's threads like the batch-norm passes around it, so
 * each thread writes the images its pieces of the next pad and convolution read. Stock Relu is
 * XNNPACK's, on one thread where our pool runs (`xnnpackThreads`): the last activation-sized pass of
 * a training step left on the calling thread, a serial share that grows with the thread count. On
 * the 2-vCPU machines here the split pads after it waited less (0.55-1.51 → 0.30-0.77 ms a
 * resnet-mini step) while the step itself did not move measurably (docs/results.md).
 * One thread, other dtypes and calls too small to split keep the stock kernel.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { input, sizeOf, type WasmKernelArgs, wasmKernel } from '../internal/heap.js';
import { stockKernel } from '../internal/stock-kernels.js';
import { heapOffset, simdKernels, splitsOverPool } from '../internal/simd-kernels.js';

function relu(args: WasmKernelArgs): TensorInfo {
  const { backend } = args;
  const x = input(args, 'Relu', 'x');
  const size = sizeOf(x.shape);
  const kernels = x.dtype === 'float32' ? simdKernels(backend) : null;
  if (!kernels || !splitsOverPool(backend, size)) return stockKernel('Relu')(args);
  const out = backend.makeOutput([...x.shape], 'float32');
  kernels.relu(heapOffset(backend, out), heapOffset(backend, x), size);
  return out;
}

/** Our Relu for the `wasm` backend (split over the kernel pool, else stock). */
export const reluConfig = wasmKernel('Relu', relu);
