/**
 * The stock tfjs-backend-wasm kernels our kernels build on, captured before we replace any of
 * them, so that e.g. our Conv2DBackpropFilter keeps calling XNNPACK's BatchMatMul even after
 * BatchMatMul itself has been replaced by ours.
 * @internal
 */
import { getKernel } from '@tensorflow/tfjs-core';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { WasmBackendError } from '../errors.js';
import type { WasmKernelFunc } from './heap.js';

const stock = new Map<string, WasmKernelFunc>();

/** Remembers the stock kernel `name` unless it was already captured. */
export function captureStockKernel(name: string, kernelFunc: WasmKernelFunc): void {
  if (!stock.has(name)) stock.set(name, kernelFunc);
}

/** The stock kernel `name` on wasm (captured, or the one registered now). */
export function stockKernel(name: string): WasmKernelFunc {
  const captured = stock.get(name);
  if (captured) return captured;
  const registered = getKernel(name, 'wasm');
  if (!registered) {
    throw new WasmBackendError(
      `the wasm kernel "${name}" is not registered. Import "@tensorflow/tfjs-backend-wasm" (version 4.22.0) before registering the digitlab kernels.`,
    );
  }
  return registered.kernelFunc as unknown as WasmKernelFunc;
}

/** Stock BatchMatMul through XNNPACK: out[1, M, N] = a[1, M, K] · b[1, K, N], no transposes. */
export function xnnMatMul(backend: BackendWasm, a: TensorInfo, b: TensorInfo): TensorInfo {
  return stockKernel('BatchMatMul')({ inputs: { a, b }, attrs: { transposeA: false, transposeB: false }, backend });
}

/** Stock Transpose (XNNPACK). */
export function stockTranspose(backend: BackendWasm, x: TensorInfo, perm: number[]): TensorInfo {
  return stockKernel('Transpose')({ inputs: { x }, attrs: { perm }, backend });
}

/** Explicit NHWC padding as tfjs takes it: [[0, 0], [top, bottom], [left, right], [0, 0]]. */
export type ExplicitPadding4 = [[number, number], [number, number], [number, number], [number, number]];

/** Stock Conv2D (XNNPACK convolution, NHWC, filter HWIO) with explicit padding. */
export function xnnConv2d(
  backend: BackendWasm,
  x: TensorInfo,
  filter: TensorInfo,
  strides: [number, number],
  dilations: [number, number],
  pad: ExplicitPadding4,
): TensorInfo {
  return stockKernel('Conv2D')({ inputs: { x, filter }, attrs: { strides, dilations, pad: pad as unknown as number[][], dataFormat: 'NHWC' }, backend });
}
