/**
 * The input of a convolution as our direct kernels read it: every tap in range. Internal.
 * @internal
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { Conv2DGeometry } from './conv-geometry.js';
import { heapOffset, type SimdKernels } from './simd-kernels.js';

/** The rows and columns every tap reaches: (O − 1)·s + K. */
function paddedSize(g: Conv2DGeometry): { paddedHeight: number; paddedWidth: number } {
  return { paddedHeight: (g.outHeight - 1) * g.strideHeight + g.filterHeight, paddedWidth: (g.outWidth - 1) * g.strideWidth + g.filterWidth };
}

/** Whether x must first be copied into a zero-padded buffer (top/left padding, or taps past its bottom/right edge). */
function needsPaddedCopy(g: Conv2DGeometry): boolean {
  const { paddedHeight, paddedWidth } = paddedSize(g);
  return g.padTop > 0 || g.padLeft > 0 || paddedHeight > g.inHeight || paddedWidth > g.inWidth;
}

/**
 * x itself when every tap is in range, else a zero-padded copy xp[N, Hp, Wp, C]; `release()`
 * frees the copy.
 */
export function paddedInput(
  backend: BackendWasm,
  kernels: SimdKernels,
  x: TensorInfo,
  g: Conv2DGeometry,
): { xp: TensorInfo; paddedHeight: number; paddedWidth: number; release(): void } {
  if (!needsPaddedCopy(g)) return { xp: x, paddedHeight: g.inHeight, paddedWidth: g.inWidth, release: () => {} };
  const { paddedHeight, paddedWidth } = paddedSize(g);
  const xp = backend.makeOutput([g.batch, paddedHeight, paddedWidth, g.inChannels], 'float32');
  kernels.pad_images(heapOffset(backend, xp), heapOffset(backend, x), g.batch, g.inHeight, g.inWidth, g.inChannels, g.padTop, g.padLeft, paddedHeight, paddedWidth);
  return { xp, paddedHeight, paddedWidth, release: () => backend.disposeData(xp.dataId) };
}
