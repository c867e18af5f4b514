/**
 * Conv2DBackpropFilter (missing from stock tfjs-backend-wasm): the filter gradient of a 2-D
 * convolution, NHWC input, HWIO filter.
 *
 *   dW[kh, kw, c, co] = Σ_{n, oh, ow} x[n, oh·sh + kh − padTop, ow·sw + kw − padLeft, c] · dy[n, oh, ow, co]
 *
 * Our direct WebAssembly-SIMD kernel (csrc/training-kernels.c `conv2d_backprop_filter`) whenever the
 * SIMD module runs here: a register-tiled reduction over a zero-padded copy of x, no im2col.
 * Batch 64, min-of-5 cpu ms, old XNNPACK paths → this kernel (bench/kernel-timings.mjs, load 4-6):
 * seed conv2 55 → 19, fast conv2 24 → 11, bn conv3 106 → 32, ResNet 4×4×128 38 → 26, C = 1 layers
 * 10-22 → 3-4. With 2 threads XNNPACK runs on both but this single-threaded kernel still wins or
 * ties in wall time on every zoo shape (ResNet 7×7×64 stride 2: 16.5 vs 16.6 ms), so it runs at
 * every thread count. 3×3 stride-1 layers (C % 4 = 0, CO % 8 = 0, C ≥ 8: conv2d.ts
 * `winogradApplies`) take its Winograd F(2×2, 3×3) form instead (`winograd_filter_gradient`: 16
 * products per 2 × 2 tile instead of 36; bench/winograd.mjs, batch 64, one thread, min ms: seed
 * conv2 24.1 → 12.8, 14×14×32→64 29.4 → 17.3, ResNet-mini 28×28×16 20.2 → 19.3, 14×14×32 21.6 →
 * 12.9, 7×7×64 13.4 → 8.2, 4×4×128 33.4 → 14.6), or F(4×4, 3×3) where `filterGradientTile` says
 * (`winograd4_filter_gradient`: 36 products per 4 × 4 tile).
 *
 * With two threads the SIMD call runs detached (internal/detached-calls.ts): whole, on the pool's
 * worker, while the caller returns dw at once and goes on with the input gradients below; dw is
 * computed by the time anything reads it. Split over both threads instead, each layer's filter
 * gradient waited at a barrier and the worker idled through the caller's serial stretches.
 *
 * Without it (no WebAssembly SIMD), two strategies, both ending in XNNPACK; which is faster
 * depends on C (min-of-7 timings, batch 64, one thread):
 *
 * - C ≥ 8 — the sum is itself a convolution with batch and channels swapped: with
 *   xᵀ[c, h, w, n] = x[n, h, w, c] as the input (batch C, channels N) and dyᵀ[oh, ow, n, co] as an
 *   OH×OW filter dilated by the forward stride, conv(xᵀ, dyᵀ)[c, kh, kw, co] = dW[kh, kw, c, co].
 *   No im2col buffer: 28×28×16→16 31 ms vs 67 ms, 14×14×32→32 21-40 ms vs 41 ms.
 * - C < 8 (the first layer) — that convolution has only C·KH·KW output pixels and parallelises
 *   badly (C = 1: 30 ms vs 7-10 ms), so build the im2col matrix colT[K, M] (K = KH·KW·C,
 *   M = N·OH·OW) already transposed in the heap and run dW[K, CO] = colT · dy[M, CO] as one GEMM.
 *
 * Out-of-image taps (padding) read as 0.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { heapF32, input, alias, type WasmKernelArgs, wasmKernel } from '../internal/heap.js';
import { stockTranspose, xnnConv2d, xnnMatMul } from '../internal/stock-kernels.js';
import { conv2dGeometry, type Conv2DGeometry, type ConvBackpropAttrs } from '../internal/conv-geometry.js';
import { detachingPool, heapOffset, heapScratch, simdKernelPool, simdKernels, withPanels, type SimdKernels } from '../internal/simd-kernels.js';
import { detachesFilterGradient, runDetached, type DetachedCalls } from '../internal/detached-calls.js';
import type { KernelPool } from '../internal/kernel-pool.js';
import { WINOGRAD4_FILTER_GRADIENT_BLOCK, winograd4FilterGradientScratchFloats, winogradFilterGradientBlock, winogradFilterGradientScratchFloats } from '../internal/panels.js';
import { conv2dChoice, winogradApplies, winogradReach, type WinogradTile } from './conv2d.js';
import { paddedInput } from '../internal/padded-input.js';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** From this many input channels on, the swapped convolution beats im2col + GEMM (measured). */
const SWAPPED_CONV_MIN_CHANNELS = 8;

function conv2dBackpropFilter(args: WasmKernelArgs): TensorInfo {
  const { backend } = args;
  const x = input(args, 'Conv2DBackpropFilter', 'x');
  const dy = input(args, 'Conv2DBackpropFilter', 'dy');
  const attrs = args.attrs as unknown as ConvBackpropAttrs & { filterShape: [number, number, number, number] };
  const g = conv2dGeometry('Conv2DBackpropFilter', x.shape, attrs.filterShape, attrs.strides, attrs.pad, attrs.dimRoundingMode, attrs.dataFormat);
  const { batch, inHeight, inWidth, inChannels, filterHeight, filterWidth, outHeight, outWidth, strideHeight, strideWidth, padTop, padLeft, outChannels } = g;
  const kernels = simdKernels(backend);
  if (kernels) return direct(backend, kernels, x, dy, g);
  // Bottom/right padding that makes the swapped convolution's output exactly KH × KW; negative
  // when the forward pass dropped trailing rows (valid padding, stride 2), where im2col is used.
  const padBottom = filterHeight + (outHeight - 1) * strideHeight - inHeight - padTop;
  const padRight = filterWidth + (outWidth - 1) * strideWidth - inWidth - padLeft;
  if (inChannels >= SWAPPED_CONV_MIN_CHANNELS && padBottom >= 0 && padRight >= 0) {
    const xT = stockTranspose(backend, x, [3, 1, 2, 0]);
    const dyT = stockTranspose(backend, dy, [1, 2, 0, 3]);
    const swapped = xnnConv2d(backend, xT, dyT, [1, 1], [strideHeight, strideWidth], [[0, 0], [padTop, padBottom], [padLeft, padRight], [0, 0]]);
    backend.disposeData(xT.dataId);
    backend.disposeData(dyT.dataId);
    const dw = stockTranspose(backend, swapped, [1, 2, 0, 3]);
    backend.disposeData(swapped.dataId);
    return dw;
  }
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

/**
 * dW through the SIMD kernel. x is first copied into a zero-padded xp[N, Hp, Wp, C] whose every
 * tap is in range (Hp = (OH − 1)·sh + KH), unless x already is that (no top/left padding and no
 * tap past the bottom/right edge).
 */
function direct(backend: BackendWasm, kernels: SimdKernels, x: TensorInfo, dy: TensorInfo, g: Conv2DGeometry): TensorInfo {
  const { batch, inChannels, filterHeight, filterWidth, outHeight, outWidth, strideHeight, strideWidth, outChannels } = g;
  const dw = backend.makeOutput([filterHeight, filterWidth, inChannels, outChannels], 'float32');
  const pool = detachesFilterGradient(batch * outHeight * outWidth * filterHeight * filterWidth * inChannels * outChannels) ? detachingPool(backend) : undefined;
  if (winogradApplies(g)) return winogradFilterGradient(backend, kernels, x, dy, g, dw, pool);
  const detached: DetachedCalls = [];
  const { xp, paddedHeight, paddedWidth, release } = paddedInput(backend, kernels, x, g, undefined, pool ? (pad) => detached.push(['pad_images', pad]) : undefined);
  const args = [
    heapOffset(backend, dw), heapOffset(backend, xp), heapOffset(backend, dy), batch, paddedHeight, paddedWidth, inChannels,
    filterHeight, filterWidth, outHeight, outWidth, outChannels, strideHeight, strideWidth,
  ] as const;
  if (pool) {
    // The padded copy too runs on the worker, just before the kernel that reads it (one job).
    runDetached(backend, pool, [...detached, ['conv2d_backprop_filter', args]], { reads: [x.dataId, dy.dataId, xp.dataId], writes: [dw.dataId] }, release);
    return dw;
  }
  kernels.conv2d_backprop_filter(...args);
  release();
  return dw;
}

/**
 * Most of F(2×2, 3×3)'s products that F(4×4, 3×3) may compute on a layer for its filter gradient to
 * run by F(4×4) (see `filterGradientTile`).
 */
const WINOGRAD4_MAX_PRODUCT_SHARE = 0.65;

/** Fewest 4 × 4 tiles a thread must reduce for the filter gradient to run by F(4×4) (see `filterGradientTile`). */
const WINOGRAD4_MIN_TILES_PER_THREAD = 64;

/**
 * The Winograd tile of a filter gradient (where `winogradApplies`) over `threads` threads of the
 * kernel pool: `conv2dChoice.tile` when set, else F(4×4, 3×3) (`winograd4_filter_gradient`: 36
 * products per 4 × 4 tile, input and output channel, where F(2×2) needs 4 × 16) where both hold:
 *  - whole 4 × 4 tiles cover the output about as tightly as 2 × 2 ones, so that F(4×4) computes at
 *    most 65% of F(2×2)'s products (56% there: 28 × 28, 7 × 7, 4 × 4, 11 × 11 in the zoo). On
 *    14 × 14 (73%: 16 tiles of 4 × 4 for 49 of 2 × 2) the two ran even, and F(2×2) rounds less.
 *  - each thread reduces at least 64 tiles: every thread sums into its own dU of 36 × C × CO
 *    floats (2.25x F(2×2)'s 16), which its tiles must amortise. ResNet-mini's 4×4×128 at batch 64
 *    (64 tiles, dU 2.4 MB): F(4×4) 12% faster on one thread, 3-7% slower on two.
 * F(2×2) elsewhere. Measured per layer, batch 64, one and two threads: docs/results.md, "Winograd
 * F(4×4, 3×3): filter gradient".
 */
export function filterGradientTile(g: Pick<Conv2DGeometry, 'batch' | 'outHeight' | 'outWidth'>, threads: number): WinogradTile {
  if (conv2dChoice.tile) return conv2dChoice.tile;
  const tiles4 = Math.ceil(g.outHeight / 4) * Math.ceil(g.outWidth / 4);
  const tiles2 = Math.ceil(g.outHeight / 2) * Math.ceil(g.outWidth / 2);
  const tight = 36 * tiles4 <= WINOGRAD4_MAX_PRODUCT_SHARE * 16 * tiles2;
  return tight && (g.batch * tiles4) / threads >= WINOGRAD4_MIN_TILES_PER_THREAD ? 4 : 2;
}

/**
 * dw of a 3×3 stride-1 convolution by Winograd (csrc `winograd_filter_gradient`, F(2×2, 3×3), on x
 * zero-padded to whole tiles, or `winograd4_filter_gradient`, F(4×4, 3×3), which reads x's padding
 * in place: `filterGradientTile`).
 */
function winogradFilterGradient(backend: BackendWasm, kernels: SimdKernels, x: TensorInfo, dy: TensorInfo, g: Conv2DGeometry, dw: TensorInfo, pool?: KernelPool): TensorInfo {
  const { batch, inChannels, outHeight, outWidth, outChannels } = g;
  // A detached call runs whole on one worker.
  const tile = filterGradientTile(g, pool ? 1 : (simdKernelPool(backend)?.threads ?? 1));
  const detached: DetachedCalls = [];
  let scratchFloats: number;
  let reads = [x.dataId, dy.dataId];
  let release = () => {};
  let call: (scratch: number) => DetachedCalls[number];
  if (tile === 4) {
    scratchFloats = winograd4FilterGradientScratchFloats(inChannels, outChannels);
    call = (scratch) => [
      'winograd4_filter_gradient',
      [heapOffset(backend, dw), heapOffset(backend, x), heapOffset(backend, dy), scratch, batch, g.inHeight, g.inWidth, inChannels, outHeight, outWidth, outChannels, g.padTop, g.padLeft, WINOGRAD4_FILTER_GRADIENT_BLOCK],
    ];
  } else {
    const padded = paddedInput(backend, kernels, x, g, winogradReach(g, tile), pool ? (pad) => detached.push(['pad_images', pad]) : undefined);
    scratchFloats = winogradFilterGradientScratchFloats(inChannels, outChannels);
    reads = [...reads, padded.xp.dataId];
    release = padded.release;
    call = (scratch) => [
      'winograd_filter_gradient',
      [heapOffset(backend, dw), heapOffset(backend, padded.xp), heapOffset(backend, dy), scratch, batch, padded.paddedHeight, padded.paddedWidth, inChannels, outHeight, outWidth, outChannels, winogradFilterGradientBlock(inChannels, outChannels)],
    ];
  }
  if (pool) {
    const scratch = heapScratch(backend, scratchFloats * 4);
    runDetached(backend, pool, [...detached, call(scratch.pointer)], { reads, writes: [dw.dataId] }, () => {
      scratch.free();
      release();
    });
    return dw;
  }
  withPanels(backend, scratchFloats, (scratch) => {
    const [kernel, args] = call(scratch);
    (kernels[kernel] as (...args: readonly number[]) => void)(...args);
  });
  release();
  return dw;
}

/** Our Conv2DBackpropFilter for the `wasm` backend. */
export const conv2dBackpropFilterConfig = wasmKernel('Conv2DBackpropFilter', conv2dBackpropFilter);
