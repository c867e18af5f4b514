/**
 * MaxPoolGrad (2-D, NHWC): routes each upstream gradient to the argmax of its pooling window,
 *
 *   dx[n, h, w, c] = Σ_{windows (oh, ow) whose first maximum is at (h, w)} dy[n, oh, ow, c]
 *
 * "First maximum" in row-major window order, ties and padding handled like the tfjs cpu backend
 * (padding never wins). Replaces the stock kernel, which recomputes the windows per output.
 */
import { backend_util, type KernelConfig, type TensorInfo } from '@tensorflow/tfjs-core';
import { heapF32, input, type WasmKernelArgs } from '../internal/heap.js';
import { pool2dGeometry } from '../internal/conv-geometry.js';

function maxPoolGrad(args: WasmKernelArgs): TensorInfo {
  const { backend } = args;
  const dy = input(args, 'MaxPoolGrad', 'dy');
  const x = input(args, 'MaxPoolGrad', 'input');
  const attrs = args.attrs as unknown as {
    filterSize: [number, number] | number;
    strides: [number, number] | number;
    pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  };
  const g = pool2dGeometry(x.shape, attrs.filterSize, attrs.strides, attrs.pad, attrs.dimRoundingMode);
  const { batch, inHeight, inWidth, inChannels: channels, filterHeight, filterWidth, outHeight, outWidth, strideHeight, strideWidth, padTop, padLeft } = g;

  const dxInfo = backend.makeOutput([...x.shape], 'float32');
  const dx = heapF32(backend, dxInfo);
  const xs = heapF32(backend, x);
  const grads = heapF32(backend, dy);
  dx.fill(0);
  let o = 0;
  for (let n = 0; n < batch; n++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const h0 = oh * strideHeight - padTop;
      const hStart = Math.max(0, h0);
      const hEnd = Math.min(inHeight, h0 + filterHeight);
      for (let ow = 0; ow < outWidth; ow++) {
        const w0 = ow * strideWidth - padLeft;
        const wStart = Math.max(0, w0);
        const wEnd = Math.min(inWidth, w0 + filterWidth);
        for (let c = 0; c < channels; c++, o++) {
          let best = -Infinity;
          let bestIndex = -1;
          for (let h = hStart; h < hEnd; h++) {
            let index = ((n * inHeight + h) * inWidth + wStart) * channels + c;
            for (let w = wStart; w < wEnd; w++, index += channels) {
              const value = xs[index] as number;
              if (value > best || bestIndex < 0) {
                best = value;
                bestIndex = index;
              }
            }
          }
          if (bestIndex >= 0) dx[bestIndex] = (dx[bestIndex] as number) + (grads[o] as number);
        }
      }
    }
  }
  return dxInfo;
}

/** Our MaxPoolGrad for the `wasm` backend. */
export const maxPoolGradConfig: KernelConfig = {
  kernelName: 'MaxPoolGrad',
  backendName: 'wasm',
  kernelFunc: maxPoolGrad as unknown as KernelConfig['kernelFunc'],
};
