/**
 * Conv2D (forward), NHWC input, HWIO filter, through our direct WebAssembly-SIMD kernel
 * (csrc/training-kernels.c `conv2d_forward`: the im2col GEMM without its buffer, over x itself or a
 * zero-padded copy of it as in the filter gradient), which runs on our kernel threads with the rest
 * of a training step; where it does not pay (see `conv2dChoice`), the stock XNNPACK kernel.
 *
 * Dilated convolutions, NCHW, int32 inputs and engines without WebAssembly SIMD use the stock
 * kernel.
 */
import { engine, type TensorInfo } from '@tensorflow/tfjs-core';
import { input, type WasmKernelArgs, wasmKernel } from '../internal/heap.js';
import { conv2dGeometry, type ConvBackpropAttrs } from '../internal/conv-geometry.js';
import { needsPaddedCopy, paddedInput } from '../internal/padded-input.js';
import { heapOffset, simdKernelPool, simdKernels } from '../internal/simd-kernels.js';
import { stockKernel } from '../internal/stock-kernels.js';

type Conv2DAttrs = ConvBackpropAttrs & { dilations?: [number, number] | number };

/**
 * Where ours runs. Measured on a 16-core Xeon (bench/step-times.mjs, scripts/gpu-host-bench.sh):
 * with our kernel threads, training steps get faster with ours (seed-cnn at 8 threads 37-39 → 17-19
 * ms, bn-cnn 155 → 121, resnet-mini 482 → 350, XNNPACK's forward included in the "before"); on
 * one thread ours ties on 'valid' layers (seed-cnn 49-51 vs 50 ms) but loses where it must first
 * copy x into a zero-padded buffer ('same' layers of bn-cnn: step 269 → 349 ms, inference 45 → 64),
 * which XNNPACK's indirection avoids. Inference over several threads stays on XNNPACK (seed-cnn
 * batch 64 at 8 threads: 3.1 ms vs ours 4.2).
 *  - training (tfjs is recording gradients; Conv2D, or FusedConv2D with a linear activation as
 *    layers without bias before batch norm run): ours with kernel threads, or when no padded copy
 *    is needed;
 *  - inference: ours on one thread when no padded copy is needed.
 * `force` overrides both (tests).
 */
export const conv2dChoice: { force?: 'ours' | 'stock' } = {};

function conv2d(args: WasmKernelArgs): TensorInfo {
  return conv2dDirect(args, 'Conv2D') ?? stockKernel('Conv2D')(args);
}

/**
 * x ⊛ filter through our kernel (also the first half of FusedConv2D), or null where it does not
 * apply or does not pay (see `conv2dChoice`; the caller's stock kernel then runs).
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
  if (choice(needsPaddedCopy(g), (simdKernelPool(backend)?.threads ?? 1) > 1) === 'stock') return null;
  const { batch, inChannels, filterHeight, filterWidth, outHeight, outWidth, strideHeight, strideWidth, outChannels } = g;
  const out = backend.makeOutput([batch, outHeight, outWidth, outChannels], 'float32');
  if (out.shape.some((size) => size === 0)) return out;
  const { xp, paddedHeight, paddedWidth, release } = paddedInput(backend, kernels, x, g);
  kernels.conv2d_forward(
    heapOffset(backend, out), heapOffset(backend, xp), heapOffset(backend, filter), batch, paddedHeight, paddedWidth, inChannels,
    filterHeight, filterWidth, outHeight, outWidth, outChannels, strideHeight, strideWidth,
  );
  release();
  return out;
}

function choice(copy: boolean, threaded: boolean): 'ours' | 'stock' {
  if (conv2dChoice.force) return conv2dChoice.force;
  const training = engine().state.gradientDepth > 0;
  return (training ? threaded || !copy : !threaded && !copy) ? 'ours' : 'stock';
}

/** Our Conv2D for the `wasm` backend (the stock XNNPACK kernel where ours does not apply). */
export const conv2dConfig = wasmKernel('Conv2D', conv2d);
