/**
 * Helpers shared by our wasm kernels: typed views over the wasm heap and re-shaped aliases of
 * existing tensors. Internal.
 * @internal
 */
import type { KernelConfig, TensorInfo, NamedAttrMap } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** The argument every kernel function receives, with the wasm backend typed. */
export interface WasmKernelArgs {
  inputs: Record<string, TensorInfo | undefined>;
  attrs?: NamedAttrMap;
  backend: BackendWasm;
}

/** A kernel function on the wasm backend. */
export type WasmKernelFunc = (args: WasmKernelArgs) => TensorInfo;

/** The registration of our `kernelFunc` as `kernelName` on the `wasm` backend. */
export function wasmKernel(kernelName: string, kernelFunc: (args: WasmKernelArgs) => TensorInfo | TensorInfo[]): KernelConfig {
  return { kernelName, backendName: 'wasm', kernelFunc: kernelFunc as unknown as KernelConfig['kernelFunc'] };
}

/**
 * The same heap buffer seen with another shape (no copy). Safe for stock kernels, which look the
 * data up by `dataId`; never pass an alias with a different shape as the `b` operand of the stock
 * BatchMatMul, whose XNNPACK operator is cached per `b` tensor id and packs `b` once.
 */
export function alias(tensor: TensorInfo, shape: number[]): TensorInfo {
  return { dataId: tensor.dataId, shape, dtype: tensor.dtype };
}

/**
 * A Float32Array view of a tensor on the wasm heap. Take views only after the last allocation of
 * a kernel: growing the heap detaches every earlier view.
 */
export function heapF32(backend: BackendWasm, tensor: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(tensor) as Float32Array;
}

/** Reads a required input, with a message that names the kernel and the input. */
export function input(args: WasmKernelArgs, kernelName: string, name: string): TensorInfo {
  const tensor = args.inputs[name];
  if (tensor === undefined) throw new Error(`${kernelName}: missing input "${name}"`);
  return tensor;
}

/** Product of dimensions. */
export function sizeOf(shape: readonly number[]): number {
  let size = 1;
  for (const dim of shape) size *= dim;
  return size;
}
