/**
 * Conv2DBackpropInput: the input gradient of a 2-D convolution, NHWC, filter HWIO,
 *
 *   dx[n, h, w, c] = Σ_{kh, kw, co} dy[n, (h + padTop − kh)/sh, (w + padLeft − kw)/sw, co] · W[kh, kw, c, co]
 *
 * (terms with a non-integer or out-of-range dy index vanish). Replaces the stock scalar loop:
 *
 * - stride 1 — a "full" convolution through XNNPACK: dx = conv(dy, W̃) with
 *   W̃[kh, kw, co, c] = W[KH−1−kh, KW−1−kw, c, co] and padding (KH−1−padTop, …). 3-6x faster than
 *   GEMM + col2im (14×14×32→32: 12-15 ms vs 36-133 ms, min-of-7, batch 64).
 * - stride > 1 — the full convolution would run over a zero-dilated dy (4x the work at stride 2,
 *   measured 53 ms vs 23-34 ms), so: dcol[M, K] = dy[M, CO] · Wᵀ[CO, K] on XNNPACK
 *   (M = N·OH·OW, K = KH·KW·C), then a col2im scatter-add into dx (csrc/training-kernels.c
 *   `col2im`; a JS loop without SIMD); padding taps are dropped.
 * - stride 1 takes that GEMM path too (when the SIMD col2im runs) where XNNPACK's full convolution
 *   is slow: C < 8 (XNNPACK with 1 output channel: 1-1.7 GFLOP/s) and 'valid' layers whose full
 *   convolution mostly multiplies padding zeros. Batch 64, min-of-5 cpu ms, full conv → GEMM +
 *   col2im (bench/kernel-timings.mjs, load 5): 28×28×1 k5 24.9 → 10.1, 28×28×1 k3 14.1 → 6.1,
 *   12×12×24 k5 valid 18.3 → 14.3, 13×13×32 k3 valid 23.3 → 21.1; but 'same' layers lose
 *   (28×28×16: 14.4 vs 28.3, 14×14×32: 25.9 vs 34.4), so they keep the full convolution. XNNPACK
 *   ran no faster with 2 threads on these shapes, so the choice does not depend on threads.
 */
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { heapF32, input, alias, type WasmKernelArgs } from '../internal/heap.js';
import { stockTranspose, xnnConv2d, xnnMatMul } from '../internal/stock-kernels.js';
import { conv2dGeometry, type ConvBackpropAttrs } from '../internal/conv-geometry.js';
import { heapOffset, simdKernels } from '../internal/simd-kernels.js';

/** Stride-1 layers with fewer input channels than this take GEMM + col2im too (measured). */
const FULL_CONV_MIN_CHANNELS = 8;
/**
 * Stride-1 layers whose input has more than this many times the pixels of dy take GEMM + col2im
 * too: the full convolution computes every dx pixel from a zero-padded dy, the GEMM only the dy
 * pixels ('valid' 12×12 ← 8×8: 2.25x the work; 'same': 1x).
 */
const FULL_CONV_MAX_PIXEL_RATIO = 1.25;

function conv2dBackpropInput(args: WasmKernelArgs): TensorInfo {
  const { backend } = args;
  const dy = input(args, 'Conv2DBackpropInput', 'dy');
  const filter = input(args, 'Conv2DBackpropInput', 'filter');
  const attrs = args.attrs as unknown as ConvBackpropAttrs & { inputShape: [number, number, number, number] };
  const g = conv2dGeometry('Conv2DBackpropInput', attrs.inputShape, filter.shape, attrs.strides, attrs.pad, attrs.dimRoundingMode, attrs.dataFormat);
  const { batch, inHeight, inWidth, inChannels, filterHeight, filterWidth, outHeight, outWidth, strideHeight, strideWidth, padTop, padLeft, outChannels } = g;
  const kernels = simdKernels(backend);
  const fullConvolution = inChannels >= FULL_CONV_MIN_CHANNELS && inHeight * inWidth <= FULL_CONV_MAX_PIXEL_RATIO * outHeight * outWidth;
  if (strideHeight === 1 && strideWidth === 1 && (fullConvolution || !kernels)) {
    const top = filterHeight - 1 - padTop;
    const left = filterWidth - 1 - padLeft;
    const bottom = inHeight - outHeight - top + filterHeight - 1;
    const right = inWidth - outWidth - left + filterWidth - 1;
    // Negative only for paddings wider than the filter, which no zoo model uses.
    if (top >= 0 && left >= 0 && bottom >= 0 && right >= 0) {
      const flippedInfo = backend.makeOutput([filterHeight, filterWidth, outChannels, inChannels], 'float32');
      const flipped = heapF32(backend, flippedInfo);
      const weights = heapF32(backend, filter);
      for (let kh = 0; kh < filterHeight; kh++) {
        for (let kw = 0; kw < filterWidth; kw++) {
          const source = ((filterHeight - 1 - kh) * filterWidth + (filterWidth - 1 - kw)) * inChannels * outChannels;
          const target = (kh * filterWidth + kw) * outChannels * inChannels;
          for (let c = 0; c < inChannels; c++) {
            for (let co = 0; co < outChannels; co++) flipped[target + co * inChannels + c] = weights[source + c * outChannels + co] as number;
          }
        }
      }
      const dxInfo = xnnConv2d(backend, dy, flippedInfo, [1, 1], [1, 1], [[0, 0], [top, bottom], [left, right], [0, 0]]);
      backend.disposeData(flippedInfo.dataId);
      return dxInfo;
    }
  }
  const rows = batch * outHeight * outWidth;
  const depth = filterHeight * filterWidth * inChannels;

  // Wᵀ is a fresh tensor, so the XNNPACK operator cached on it (keyed by its id) dies with it.
  const filterT = stockTranspose(backend, alias(filter, [depth, outChannels]), [1, 0]);
  const dcol = xnnMatMul(backend, alias(dy, [1, rows, outChannels]), alias(filterT, [1, outChannels, depth]));
  backend.disposeData(filterT.dataId);

  const dxInfo = backend.makeOutput([...attrs.inputShape], 'float32');
  if (kernels) {
    kernels.col2im(
      heapOffset(backend, dxInfo), heapOffset(backend, dcol), batch, inHeight, inWidth, inChannels, filterHeight, filterWidth,
      outHeight, outWidth, strideHeight, strideWidth, padTop, padLeft,
    );
    backend.disposeData(dcol.dataId);
    return dxInfo;
  }
  const dx = heapF32(backend, dxInfo);
  const cols = heapF32(backend, dcol);
  dx.fill(0);
  const rowStride = inWidth * inChannels;
  let r = 0;
  for (let n = 0; n < batch; n++) {
    const imageBase = n * inHeight * rowStride;
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        for (let kh = 0; kh < filterHeight; kh++) {
          const ih = oh * strideHeight + kh - padTop;
          if (ih < 0 || ih >= inHeight) {
            r += filterWidth * inChannels;
            continue;
          }
          for (let kw = 0; kw < filterWidth; kw++) {
            const iw = ow * strideWidth + kw - padLeft;
            if (iw < 0 || iw >= inWidth) {
              r += inChannels;
              continue;
            }
            const base = imageBase + ih * rowStride + iw * inChannels;
            for (let c = 0; c < inChannels; c++) dx[base + c] = (dx[base + c] as number) + (cols[r++] as number);
          }
        }
      }
    }
  }
  backend.disposeData(dcol.dataId);
  return dxInfo;
}

/** Our Conv2DBackpropInput for the `wasm` backend. */
export const conv2dBackpropInputConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropInput',
  backendName: 'wasm',
  kernelFunc: conv2dBackpropInput as unknown as KernelConfig['kernelFunc'],
};
