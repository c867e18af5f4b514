/**
 * Conv2D (forward), NHWC input, HWIO filter, through our direct WebAssembly-SIMD kernel
 * (csrc/training-kernels.c `conv2d_forward`: the im2col GEMM without its buffer, over a zero-padded
 * copy of x as in the filter gradient), so that it runs on our kernel threads with the rest of a
 * training step. Stock tfjs-backend-wasm runs XNNPACK here, whose pthreadpool workers spin for a
 * while after each operator: on a 2-core machine they took the second core from our kernel
 * workers in the backward pass that follows (profiled step, 2 threads: our filter gradient 18 ms
 * on one thread vs 20 ms split in two behind XNNPACK's forward convolutions).
 *
 * Dilated convolutions, NCHW, int32 inputs and engines without WebAssembly SIMD use the stock
 * kernel.
 */
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { input, type WasmKernelArgs } from '../internal/heap.js';
import { conv2dGeometry, type ConvBackpropAttrs } from '../internal/conv-geometry.js';
import { heapOffset, simdKernels } from '../internal/simd-kernels.js';
import { stockKernel } from '../internal/stock-kernels.js';

type Conv2DAttrs = ConvBackpropAttrs & { dilations?: [number, number] | number };

function conv2d(args: WasmKernelArgs): TensorInfo {
  return conv2dDirect(args, 'Conv2D') ?? stockKernel('Conv2D')(args);
}

/**
 * x ⊛ filter through our kernel (also the first half of FusedConv2D), or null where it does not
 * apply (the caller's stock kernel then runs).
 */
export function conv2dDirect(args: WasmKernelArgs, kernelName: string): TensorInfo | null {
  const { backend } = args;
  const x = input(args, kernelName, 'x');
  const filter = input(args, kernelName, 'filter');
  const attrs = args.attrs as unknown as Conv2DAttrs;
  const dilations = attrs.dilations ?? 1;
  const undilated = Array.isArray(dilations) ? dilations.every((d) => d === 1) : dilations === 1;
  const kernels = undilated && (attrs.dataFormat ?? 'NHWC') === 'NHWC' && x.dtype === 'float32' && filter.dtype === 'float32' ? simdKernels(backend) : null;
  if (!kernels) return null;
  const g = conv2dGeometry(kernelName, x.shape, filter.shape, attrs.strides, attrs.pad, attrs.dimRoundingMode, attrs.dataFormat);
  const { batch, inHeight, inWidth, inChannels, filterHeight, filterWidth, outHeight, outWidth, strideHeight, strideWidth, padTop, padLeft, outChannels } = g;
  // Every tap in range: rows/columns up to (O − 1)·s + K, zero-filled where padding reaches.
  let paddedHeight = (outHeight - 1) * strideHeight + filterHeight;
  let paddedWidth = (outWidth - 1) * strideWidth + filterWidth;
  const copy = padTop > 0 || padLeft > 0 || paddedHeight > inHeight || paddedWidth > inWidth;
  const out = backend.makeOutput([batch, outHeight, outWidth, outChannels], 'float32');
  if (out.shape.some((size) => size === 0)) return out;
  let xp = x;
  if (copy) {
    xp = backend.makeOutput([batch, paddedHeight, paddedWidth, inChannels], 'float32');
    kernels.pad_images(heapOffset(backend, xp), heapOffset(backend, x), batch, inHeight, inWidth, inChannels, padTop, padLeft, paddedHeight, paddedWidth);
  } else {
    paddedHeight = inHeight;
    paddedWidth = inWidth;
  }
  kernels.conv2d_forward(
    heapOffset(backend, out), heapOffset(backend, xp), heapOffset(backend, filter), batch, paddedHeight, paddedWidth, inChannels,
    filterHeight, filterWidth, outHeight, outWidth, outChannels, strideHeight, strideWidth,
  );
  if (copy) backend.disposeData(xp.dataId);
  return out;
}

/** Our Conv2D for the `wasm` backend (the stock XNNPACK kernel where ours does not apply). */
export const conv2dConfig: KernelConfig = {
  kernelName: 'Conv2D',
  backendName: 'wasm',
  kernelFunc: conv2d as unknown as KernelConfig['kernelFunc'],
};
