/**
 * Conv2DBackpropFilter (missing from stock tfjs-backend-wasm): the filter gradient of a 2-D
 * convolution, NHWC input, HWIO filter.
 *
 *   dW[kh, kw, c, co] = Σ_{n, oh, ow} x[n, oh·sh + kh − padTop, ow·sw + kw − padLeft, c] · dy[n, oh, ow, co]
 *
 * As one GEMM: dW[K, CO] = colT[K, M] · dy[M, CO] with M = N·OH·OW, K = KH·KW·C and
 * colT[(kh·KW + kw)·C + c][m] the im2col matrix, written here already transposed straight into a
 * heap tensor so the stock BatchMatMul takes its XNNPACK path (which needs untransposed operands).
 * Out-of-image taps (padding) read as 0.
 */
import { backend_util, type KernelConfig, type TensorInfo } from '@tensorflow/tfjs-core';
import { heapF32, input, alias, type WasmKernelArgs } from '../internal/heap.js';
import { xnnMatMul } from '../internal/stock-kernels.js';
import { conv2dGeometry } from '../internal/conv-geometry.js';

function conv2dBackpropFilter(args: WasmKernelArgs): TensorInfo {
  const { backend } = args;
  const x = input(args, 'Conv2DBackpropFilter', 'x');
  const dy = input(args, 'Conv2DBackpropFilter', 'dy');
  const attrs = args.attrs as unknown as {
    strides: [number, number] | number;
    pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
    dataFormat: 'NHWC' | 'NCHW';
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    filterShape: [number, number, number, number];
  };
  const g = conv2dGeometry('Conv2DBackpropFilter', x.shape, attrs.filterShape, attrs.strides, attrs.pad, attrs.dimRoundingMode, attrs.dataFormat);
  const { batch, inHeight, inWidth, inChannels, filterHeight, filterWidth, outHeight, outWidth, strideHeight, strideWidth, padTop, padLeft, outChannels } = g;
  const rows = batch * outHeight * outWidth;
  const depth = filterHeight * filterWidth * inChannels;

  const colT = backend.makeOutput([1, depth, rows], 'float32');
  const col = heapF32(backend, colT);
  const xs = heapF32(backend, x);
  for (let kh = 0; kh < filterHeight; kh++) {
    for (let kw = 0; kw < filterWidth; kw++) {
      for (let c = 0; c < inChannels; c++) {
        let o = ((kh * filterWidth + kw) * inChannels + c) * rows;
        for (let n = 0; n < batch; n++) {
          const imageBase = n * inHeight * inWidth * inChannels + c;
          for (let oh = 0; oh < outHeight; oh++) {
            const ih = oh * strideHeight + kh - padTop;
            if (ih < 0 || ih >= inHeight) {
              col.fill(0, o, o + outWidth);
              o += outWidth;
              continue;
            }
            const rowBase = imageBase + ih * inWidth * inChannels;
            for (let ow = 0; ow < outWidth; ow++) {
              const iw = ow * strideWidth + kw - padLeft;
              col[o++] = iw < 0 || iw >= inWidth ? 0 : (xs[rowBase + iw * inChannels] as number);
            }
          }
        }
      }
    }
  }
  const dyMatrix = alias(dy, [1, rows, outChannels]);
  const product = xnnMatMul(backend, colT, dyMatrix);
  backend.disposeData(colT.dataId);
  return alias(product, [filterHeight, filterWidth, inChannels, outChannels]);
}

/** Our Conv2DBackpropFilter for the `wasm` backend. */
export const conv2dBackpropFilterConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilter as unknown as KernelConfig['kernelFunc'],
};
