/**
 * The input of a convolution as our direct kernels read it: every tap in range. Internal.
 * @internal
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { Conv2DGeometry } from './conv-geometry.js';
import { heapOffset, type SimdKernels } from './simd-kernels.js';

/** The rows and columns every tap reaches: (O − 1)·s + K. */
function paddedSize(g: Conv2DGeometry): { height: number; width: number } {
  return { height: (g.outHeight - 1) * g.strideHeight + g.filterHeight, width: (g.outWidth - 1) * g.strideWidth + g.filterWidth };
}

/** The arguments of a `pad_images` call. */
export type PadImagesArgs = Parameters<SimdKernels['pad_images']>;

/**
 * x itself when every tap is in range, else a zero-padded copy xp[N, Hp, Wp, C]; `release()`
 * frees the copy. `reach`: the rows and columns the kernel reads from the top-left padding on,
 * if more than its taps (Winograd's whole tiles). `pad` makes the copy (default: `pad_images` now;
 * a detached kernel hands the call to its job instead).
 */
export function paddedInput(
  backend: BackendWasm,
  kernels: SimdKernels,
  x: TensorInfo,
  g: Conv2DGeometry,
  reach: { height: number; width: number } = paddedSize(g),
  pad: (args: PadImagesArgs) => void = (args) => kernels.pad_images(...args),
): { xp: TensorInfo; paddedHeight: number; paddedWidth: number; release(): void } {
  const paddedHeight = reach.height;
  const paddedWidth = reach.width;
  if (g.padTop === 0 && g.padLeft === 0 && paddedHeight <= g.inHeight && paddedWidth <= g.inWidth) {
    return { xp: x, paddedHeight: g.inHeight, paddedWidth: g.inWidth, release: () => {} };
  }
  const xp = backend.makeOutput([g.batch, paddedHeight, paddedWidth, g.inChannels], 'float32');
  pad([heapOffset(backend, xp), heapOffset(backend, x), g.batch, g.inHeight, g.inWidth, g.inChannels, g.padTop, g.padLeft, paddedHeight, paddedWidth]);
  return { xp, paddedHeight, paddedWidth, release: () => backend.disposeData(xp.dataId) };
}
