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
 *   (M = N·OH·OW, K = KH·KW·C), then a col2im scatter-add into dx; padding taps are dropped.
 */
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { heapF32, input, alias, type WasmKernelArgs } from '../internal/heap.js';
import { stockTranspose, xnnConv2d, xnnMatMul } from '../internal/stock-kernels.js';
import { conv2dGeometry, type ConvBackpropAttrs } from '../internal/conv-geometry.js';

function conv2dBackpropInput(args: WasmKernelArgs): TensorInfo {
  const { backend } = args;
  const dy = input(args, 'Conv2DBackpropInput', 'dy');
  const filter = input(args, 'Conv2DBackpropInput', 'filter');
  const attrs = args.attrs as unknown as ConvBackpropAttrs & { inputShape: [number, number, number, number] };
  const g = conv2dGeometry('Conv2DBackpropInput', attrs.inputShape, filter.shape, attrs.strides, attrs.pad, attrs.dimRoundingMode, attrs.dataFormat);
  const { batch, inHeight, inWidth, inChannels, filterHeight, filterWidth, outHeight, outWidth, strideHeight, strideWidth, padTop, padLeft, outChannels } = g;
  if (strideHeight === 1 && strideWidth === 1) {
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
