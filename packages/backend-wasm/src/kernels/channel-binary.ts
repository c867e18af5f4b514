/**
 * Multiply, Add and Sub of a float32 tensor with a per-channel vector broadcast over its leading
 * axes, NHWC: out[…, c] = x[…, c] ∘ v[c], v of shape [C] or [1, …, 1, C]; and of two float32
 * tensors of one shape, as one row of all their elements, where our kernel pool splits them
 * (residual adds: XNNPACK runs on one thread beside our pool) or where they are small (batch-1
 * residual adds). Batch-norm gradients do the first on [N, H, W, C] tensors every step, and the
 * stock wasm kernels take a generic broadcast path 2.5x slower than their same-shape loop (batch 64,
 * 28×28×16: 2.5 vs 1.0 ms). Every other shape, dtype, or a backend without our SIMD module, runs
 * the stock kernel.
 */
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { input, sizeOf, wasmKernel, type WasmKernelArgs } from '../internal/heap.js';
import { stockKernel } from '../internal/stock-kernels.js';
import { heapOffset, simdKernels, splitsOverPool } from '../internal/simd-kernels.js';

type BinaryKernel = 'Multiply' | 'Add' | 'Sub';

/**
 * Up to this many elements, two same-shape tensors go through our kernel even on one thread: the
 * stock kernel costs several microseconds per call before its loop starts (a batch-1 ResNet's
 * residual adds, 2K-12K elements, are mostly that), ours about one; above it, XNNPACK's loop is the
 * faster one (docs/results.md, "batch-1 latency").
 */
const SMALL_SAME_SHAPE_FLOATS = 16_384;

/**
 * Op codes of csrc/training-kernels.c `binary_channels` (0: x·v, 1: x+v, 2: x−v, 3: v−x) for the
 * tensor operand first (`a` is the tensor) and for the vector first (`b` is the tensor).
 */
const opCodes: Readonly<Record<BinaryKernel, { tensorFirst: number; vectorFirst: number }>> = {
  Multiply: { tensorFirst: 0, vectorFirst: 0 },
  Add: { tensorFirst: 1, vectorFirst: 1 },
  Sub: { tensorFirst: 2, vectorFirst: 3 },
};

/** True when `small` is [C] or [1, …, 1, C] and broadcasts over the leading axes of `big`. */
function isChannelVector(big: readonly number[], small: readonly number[]): boolean {
  const channels = big[big.length - 1];
  if (channels === undefined || big.length < 2 || small.length > big.length || small[small.length - 1] !== channels) return false;
  return small.slice(0, -1).every((dim) => dim === 1) && sizeOf(big) > channels;
}

function channelBinary(kernelName: BinaryKernel, args: WasmKernelArgs): TensorInfo {
  const { backend } = args;
  const a = input(args, kernelName, 'a');
  const b = input(args, kernelName, 'b');
  const kernels = a.dtype === 'float32' && b.dtype === 'float32' ? simdKernels(backend) : null;
  if (kernels) {
    let operands: [TensorInfo, TensorInfo, number] | undefined;
    if (isChannelVector(a.shape, b.shape)) operands = [a, b, opCodes[kernelName].tensorFirst];
    else if (isChannelVector(b.shape, a.shape)) operands = [b, a, opCodes[kernelName].vectorFirst];
    // Same shapes: stock XNNPACK's loop on one thread, unless our pool splits it or the tensors are
    // small (one row of all the elements).
    else if (a.shape.join() === b.shape.join() && (sizeOf(a.shape) <= SMALL_SAME_SHAPE_FLOATS || splitsOverPool(backend, sizeOf(a.shape)))) {
      operands = [a, b, opCodes[kernelName].tensorFirst];
    }
    if (operands) {
      const [x, v, op] = operands;
      const channels = x.shape.join() === v.shape.join() ? sizeOf(x.shape) : (x.shape[x.shape.length - 1] as number);
      const out = backend.makeOutput([...x.shape], 'float32');
      kernels.binary_channels(heapOffset(backend, out), heapOffset(backend, x), heapOffset(backend, v), sizeOf(x.shape) / channels, channels, op);
      return out;
    }
  }
  return stockKernel(kernelName)(args);
}

function config(kernelName: BinaryKernel): KernelConfig {
  return wasmKernel(kernelName, (args) => channelBinary(kernelName, args));
}

/** Our Multiply for the `wasm` backend (per-channel broadcast; the stock kernel otherwise). */
export const multiplyConfig = config('Multiply');
/** Our Add for the `wasm` backend (per-channel broadcast; the stock kernel otherwise). */
export const addConfig = config('Add');
/** Our Sub for the `wasm` backend (per-channel broadcast; the stock kernel otherwise). */
export const subConfig = config('Sub');
