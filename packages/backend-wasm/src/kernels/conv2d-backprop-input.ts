/**
 * Conv2DBackpropInput: the input gradient of a 2-D convolution, NHWC, filter HWIO. Replaces the
 * stock kernel (a scalar loop) with one XNNPACK GEMM and a col2im scatter-add:
 *
 *   dcol[M, K] = dy[M, CO] · Wᵀ[CO, K]            (M = N·OH·OW, K = KH·KW·C)
 *   dx[n, oh·sh + kh − padTop, ow·sw + kw − padLeft, c] += dcol[(n, oh, ow)][(kh, kw, c)]
 *
 * Taps that fall in the padding are dropped.
 */
import { backend_util, type KernelConfig, type TensorInfo } from '@tensorflow/tfjs-core';
import { heapF32, input, alias, type WasmKernelArgs } from '../internal/heap.js';
import { stockTranspose, xnnMatMul } from '../internal/stock-kernels.js';
import { conv2dGeometry } from '../internal/conv-geometry.js';

function conv2dBackpropInput(args: WasmKernelArgs): TensorInfo {
  const { backend } = args;
  const dy = input(args, 'Conv2DBackpropInput', 'dy');
  const filter = input(args, 'Conv2DBackpropInput', 'filter');
  const attrs = args.attrs as unknown as {
    strides: [number, number] | number;
    pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
    dataFormat: 'NHWC' | 'NCHW';
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    inputShape: [number, number, number, number];
  };
  const g = conv2dGeometry('Conv2DBackpropInput', attrs.inputShape, filter.shape, attrs.strides, attrs.pad, attrs.dimRoundingMode, attrs.dataFormat);
  const { batch, inHeight, inWidth, inChannels, filterHeight, filterWidth, outHeight, outWidth, strideHeight, strideWidth, padTop, padLeft, outChannels } = g;
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
