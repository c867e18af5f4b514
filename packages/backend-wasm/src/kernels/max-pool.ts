/**
 * MaxPool and MaxPoolGrad (2-D, NHWC). MaxPoolGrad routes each upstream gradient to the argmax of its pooling window,
 *
 *   dx[n, h, w, c] = Σ_{windows (oh, ow) whose first maximum is at (h, w)} dy[n, oh, ow, c]
 *
 * "First maximum" in row-major window order, ties and padding handled like the tfjs cpu backend
 * (padding never wins). Replaces the stock kernel, which recomputes the windows per output.
 * Disjoint windows run in our SIMD module (csrc/training-kernels.c), others in the JS loop below.
 */
import { backend_util, type TensorInfo } from '@tensorflow/tfjs-core';
import { heapF32, input, type WasmKernelArgs, wasmKernel } from '../internal/heap.js';
import { pool2dGeometry } from '../internal/conv-geometry.js';
import { heapOffset, simdKernels } from '../internal/simd-kernels.js';
import { stockKernel } from '../internal/stock-kernels.js';

/** The window geometry of a MaxPool / MaxPoolGrad call over x. */
function poolGeometry(args: WasmKernelArgs, x: TensorInfo) {
  const attrs = args.attrs as unknown as {
    filterSize: [number, number] | number;
    strides: [number, number] | number;
    pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  };
  return pool2dGeometry(x.shape, attrs.filterSize, attrs.strides, attrs.pad, attrs.dimRoundingMode);
}

function maxPoolGrad(args: WasmKernelArgs): TensorInfo {
  const { backend } = args;
  const dy = input(args, 'MaxPoolGrad', 'dy');
  const x = input(args, 'MaxPoolGrad', 'input');
  const g = poolGeometry(args, x);
  const { batch, inHeight, inWidth, inChannels: channels, filterHeight, filterWidth, outHeight, outWidth, strideHeight, strideWidth, padTop, padLeft } = g;

  const dxInfo = backend.makeOutput([...x.shape], 'float32');
  const dx = heapF32(backend, dxInfo);
  const xs = heapF32(backend, x);
  const grads = heapF32(backend, dy);
  // Disjoint windows (stride = window, no top/left padding: every 2×2/2 pool of the zoo): each
  // input element lies in at most one window, so the SIMD kernel writes every covered tap once
  // (dy to the winner, 0 to the rest), 4 channels per instruction. Only rows/columns no window
  // covers (floor rounding) need the zero fill first.
  const kernels = strideHeight === filterHeight && strideWidth === filterWidth && padTop === 0 && padLeft === 0 ? simdKernels(backend) : null;
  if (kernels) {
    if (outHeight * filterHeight < inHeight || outWidth * filterWidth < inWidth) dx.fill(0);
    kernels.max_pool_grad_disjoint(heapOffset(backend, dxInfo), heapOffset(backend, x), heapOffset(backend, dy), batch, inHeight, inWidth, channels, filterHeight, filterWidth, outHeight, outWidth);
    return dxInfo;
  }
  dx.fill(0);
  // Channels innermost, as NHWC stores them: every window tap is one contiguous run of C values,
  // compared against per-channel running maxima (the channel-outer loop order reads with stride C
  // and measured ~2-3x slower).
  const best = new Float32Array(channels);
  const bestIndex = new Int32Array(channels);
  let o = 0;
  for (let n = 0; n < batch; n++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const h0 = oh * strideHeight - padTop;
      const hStart = Math.max(0, h0);
      const hEnd = Math.min(inHeight, h0 + filterHeight);
      for (let ow = 0; ow < outWidth; ow++, o += channels) {
        const w0 = ow * strideWidth - padLeft;
        const wStart = Math.max(0, w0);
        const wEnd = Math.min(inWidth, w0 + filterWidth);
        if (hStart >= hEnd || wStart >= wEnd) continue;
        let first = true;
        for (let h = hStart; h < hEnd; h++) {
          for (let w = wStart; w < wEnd; w++) {
            const base = ((n * inHeight + h) * inWidth + w) * channels;
            if (first) {
              for (let c = 0; c < channels; c++) {
                best[c] = xs[base + c] as number;
                bestIndex[c] = base + c;
              }
              first = false;
              continue;
            }
            for (let c = 0; c < channels; c++) {
              const value = xs[base + c] as number;
              // Strictly greater: the first maximum in row-major window order wins, as on cpu.
              if (value > (best[c] as number)) {
                best[c] = value;
                bestIndex[c] = base + c;
              }
            }
          }
        }
        for (let c = 0; c < channels; c++) {
          const index = bestIndex[c] as number;
          dx[index] = (dx[index] as number) + (grads[o + c] as number);
        }
      }
    }
  }
  return dxInfo;
}

/** Our MaxPoolGrad for the `wasm` backend. */
export const maxPoolGradConfig = wasmKernel('MaxPoolGrad', maxPoolGrad);

/**
 * MaxPool (2-D, NHWC) over disjoint windows (stride = window, no top/left padding: every 2×2/2
 * pool of the zoo) in our SIMD module: one pass, 4 channels a vector, the first maximum of each
 * window as MaxPoolGrad routes it (NaN never replaces a number). Seed-cnn's pool1 (batch 64,
 * 26×26×32, bench/kernel-timings.mjs pool1, one thread): XNNPACK 1.0-1.1 ms, ours 0.5-0.7.
 * Other windows, other dtypes and engines without SIMD: the stock kernel.
 */
function maxPool(args: WasmKernelArgs): TensorInfo {
  const { backend } = args;
  const x = input(args, 'MaxPool', 'x');
  const kernels = x.dtype === 'float32' && x.shape.length === 4 ? simdKernels(backend) : null;
  if (!kernels) return stockKernel('MaxPool')(args);
  const g = poolGeometry(args, x);
  const { batch, inHeight, inWidth, inChannels: channels, filterHeight, filterWidth, outHeight, outWidth, strideHeight, strideWidth, padTop, padLeft } = g;
  const disjoint = strideHeight === filterHeight && strideWidth === filterWidth && padTop === 0 && padLeft === 0;
  if (!disjoint) return stockKernel('MaxPool')(args);
  const out = backend.makeOutput([batch, outHeight, outWidth, channels], 'float32');
  if (out.shape.some((size) => size === 0)) return out;
  kernels.max_pool_disjoint(heapOffset(backend, out), heapOffset(backend, x), batch, inHeight, inWidth, channels, filterHeight, filterWidth, outHeight, outWidth);
  return out;
}

/** Our MaxPool for the `wasm` backend (disjoint windows; the stock kernel otherwise). */
export const maxPoolConfig = wasmKernel('MaxPool', maxPool);
