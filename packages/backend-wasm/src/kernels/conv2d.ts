/**
 * Conv2D (forward), NHWC input, HWIO filter, through our direct WebAssembly-SIMD kernel
 * (csrc/training-kernels.c `conv2d_forward`: the im2col GEMM without its buffer, over x itself or a
 * zero-padded copy of it as in the filter gradient), which runs on our kernel threads with the rest
 * of a training step; where it does not pay (see `conv2dChoice`), the stock XNNPACK kernel. 3×3
 * stride-1 layers run by Winograd F(2×2, 3×3) or F(4×4, 3×3) (`winogradApplies`,
 * `forwardWinogradTile`).
 *
 * Dilated convolutions, NCHW, int32 inputs and engines without WebAssembly SIMD use the stock
 * kernel.
 */
import { engine, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { input, sizeOf, type WasmKernelArgs, wasmKernel } from '../internal/heap.js';
import { conv2dGeometry, type Conv2DGeometry, type ConvBackpropAttrs } from '../internal/conv-geometry.js';
import { withPackedWeight } from '../internal/packed-weights.js';
import { paddedInput } from '../internal/padded-input.js';
import { conv2dForwardPanelFloats, winograd4PanelFloats, WINOGRAD4_QUADS, winogradPanelFloats, WINOGRAD_QUADS } from '../internal/panels.js';
import { heapOffset, simdKernels, withPanels, xnnpackShares, type SimdKernels } from '../internal/simd-kernels.js';
import { stockKernel } from '../internal/stock-kernels.js';

type Conv2DAttrs = ConvBackpropAttrs & { dilations?: [number, number] | number };

/**
 * Where ours runs. Measured on a 16-core Xeon (bench/step-times.mjs, scripts/gpu-host-bench.sh):
 * with our kernel threads, training steps get faster with ours (seed-cnn at 8 threads 37-39 → 17-19
 * ms, bn-cnn 155 → 121, resnet-mini 482 → 350, XNNPACK's forward included in the "before"), while
 * inference over several threads stays faster on XNNPACK (seed-cnn batch 64 at 8 threads: 3.1 ms
 * vs ours 4.2; resnet-mini at 2 threads here: 153 vs 196-211 ms). On one thread ours wins
 * everywhere since it packs 4 pixels' taps into a panel (csrc `TILE_4X8_PANEL`), even where x must
 * first be copied into a zero-padded buffer, which XNNPACK's indirection avoids (resnet-mini, all
 * 'same' layers, one thread, `bench/step-times.mjs --dist dist,dist:oursconv`, 2 rounds: training
 * step 1,098 / 1,071 → 986 / 994 ms, inference 253 / 255 → 201 / 211 ms). So:
 *  - training (tfjs is recording gradients; Conv2D, or FusedConv2D with a linear activation as
 *    layers without bias before batch norm run) or one thread: ours;
 *  - inference where XNNPACK runs several threads beside our kernel pool (`xnnpackThreads` > 1):
 *    XNNPACK; where our pool owns the cores (the default in Node), ours, split over it.
 * `force` overrides both (tests, benches).
 */
export const conv2dChoice: { force?: 'ours' | 'stock'; winograd?: boolean; tile?: WinogradTile } = {};

/**
 * The output tile of a Winograd convolution: 2 for F(2×2, 3×3) (16 products per tile, input and
 * output channel), 4 for F(4×4, 3×3) (36 per tile: 2.25 per output pixel instead of 4, with larger
 * transforms). Each direction picks its own (see its kernel); `conv2dChoice.tile` forces one
 * everywhere (tests, benches).
 */
export type WinogradTile = 2 | 4;

/** Fewest input channels of a Winograd convolution (see `winogradApplies`; C = 4 is unmeasured and stays direct). */
export const WINOGRAD_MIN_CHANNELS = 8;

/**
 * Whether a convolution runs by Winograd F(2×2, 3×3) (csrc `winograd_conv3x3`: 16 products per
 * 2 × 2 output tile, input and output channel instead of 36; its filter gradient and input
 * gradient follow): 3 × 3 filters at stride 1 with C % 4 = 0 (the input transform runs 4 channels
 * at a time), CO % 8 = 0 (the register tile) and C ≥ `WINOGRAD_MIN_CHANNELS`. bench/winograd.mjs
 * (batch 64, one thread, min ms, direct → Winograd): seed conv2 13×13×32→64 'valid' 14.7 → 10.6,
 * 14×14×32→64 22.9 → 15.4, ResNet-mini's 28×28×16 16.3 → 12.4, 14×14×32 11.2 → 7.3, 7×7×64
 * 20.0 → 13.5, 4×4×128 22.8 → 17.0. `conv2dChoice.winograd` overrides the rule (true: wherever
 * the kernel applies; false: never). The forward convolution runs F(4×4, 3×3) instead where
 * `forwardWinogradTile` says it pays, with the same applicability.
 */
export function winogradApplies(g: Pick<Conv2DGeometry, 'filterHeight' | 'filterWidth' | 'strideHeight' | 'strideWidth' | 'inChannels' | 'outChannels'>): boolean {
  const fits = g.filterHeight === 3 && g.filterWidth === 3 && g.strideHeight === 1 && g.strideWidth === 1 && g.inChannels % 4 === 0 && g.outChannels % 8 === 0;
  return fits && (conv2dChoice.winograd ?? g.inChannels >= WINOGRAD_MIN_CHANNELS);
}

function conv2d(args: WasmKernelArgs): TensorInfo {
  return conv2dDirect(args, 'Conv2D') ?? stockKernel('Conv2D')(args);
}

/**
 * FusedConv2D's epilogue as our convolution kernels apply it to each output while it is in registers:
 * `bias` a float32[CO] tensor's heap offset (0: none), `relu` 1 for max(·, 0) after it. `residual`
 * (optional; 0: none): the heap offset of a float32 tensor of the output's shape added after the
 * bias, before relu (DigitlabConv2DResidual: a ResNet block's shortcut), in the F(4×4) kernel's
 * epilogue, or by one pass after the other kernels.
 */
export interface ConvEpilogue {
  bias: number;
  relu: 0 | 1;
  residual?: number;
}

const NO_EPILOGUE: ConvEpilogue = { bias: 0, relu: 0 };

/**
 * Runs `convolve` (a kernel without a residual in its epilogue) with `epilogue`, or, where that has
 * a residual, with the bias alone and then the residual's add and the relu as passes over `out`
 * (the same roundings as the F(4×4) kernel's epilogue: ((v + bias) + residual), then max(·, 0)).
 */
function withResidual(backend: BackendWasm, kernels: SimdKernels, out: TensorInfo, epilogue: ConvEpilogue, convolve: (epilogue: ConvEpilogue) => void): void {
  if (!epilogue.residual) {
    convolve(epilogue);
    return;
  }
  convolve({ bias: epilogue.bias, relu: 0 });
  const size = sizeOf(out.shape);
  const pointer = heapOffset(backend, out);
  kernels.binary_channels(pointer, pointer, epilogue.residual, 1, size, 1); // op 1: + (one row: element-wise)
  if (epilogue.relu) kernels.relu(pointer, pointer, size);
}

/**
 * x ⊛ filter through our kernel (with FusedConv2D's `epilogue`), or null where it does not
 * apply or does not pay (see `conv2dChoice`; the caller's stock kernel then runs).
 */
export function conv2dDirect(args: WasmKernelArgs, kernelName: string, epilogue: ConvEpilogue = NO_EPILOGUE): TensorInfo | null {
  const { backend } = args;
  const x = input(args, kernelName, 'x');
  const filter = input(args, kernelName, 'filter');
  const attrs = args.attrs as unknown as Conv2DAttrs;
  const dilations = attrs.dilations ?? 1;
  const undilated = Array.isArray(dilations) ? dilations.every((d) => d === 1) : dilations === 1;
  const kernels = undilated && (attrs.dataFormat ?? 'NHWC') === 'NHWC' && x.dtype === 'float32' && filter.dtype === 'float32' ? simdKernels(backend) : null;
  if (!kernels || choice(xnnpackShares(backend)) === 'stock') return null;
  const g = conv2dGeometry(kernelName, x.shape, filter.shape, attrs.strides, attrs.pad, attrs.dimRoundingMode, attrs.dataFormat);
  return directConv2d(backend, kernels, x, filter, g, epilogue);
}

/** x ⊛ filter (NHWC, HWIO, geometry `g`, dilation 1) then `epilogue` on our kernel, whatever `conv2dChoice` says. */
export function directConv2d(
  backend: BackendWasm,
  kernels: SimdKernels,
  x: TensorInfo,
  filter: TensorInfo,
  g: Conv2DGeometry,
  epilogue: ConvEpilogue = NO_EPILOGUE,
): TensorInfo {
  const { batch, inChannels, filterHeight, filterWidth, outHeight, outWidth, strideHeight, strideWidth, outChannels } = g;
  const out = backend.makeOutput([batch, outHeight, outWidth, outChannels], 'float32');
  if (out.shape.some((size) => size === 0)) return out;
  if (winogradApplies(g)) return winogradConv2d(backend, kernels, x, filter, g, out, epilogue);
  const { xp, paddedHeight, paddedWidth, release } = paddedInput(backend, kernels, x, g);
  withResidual(backend, kernels, out, epilogue, ({ bias, relu }) =>
    withPanels(backend, conv2dForwardPanelFloats(filterHeight, filterWidth, inChannels, outChannels), (panel) =>
      kernels.conv2d_forward(
        heapOffset(backend, out), heapOffset(backend, xp), heapOffset(backend, filter), panel, batch, paddedHeight, paddedWidth,
        inChannels, filterHeight, filterWidth, outHeight, outWidth, outChannels, strideHeight, strideWidth, bias, relu,
      ),
    ),
  );
  release();
  return out;
}

/**
 * The rows and columns of x (from the top-left padding on) that the Winograd kernels read: whole
 * `tile` × `tile` tiles' (tile + 2)-wide windows.
 */
export function winogradReach(g: Pick<Conv2DGeometry, 'outHeight' | 'outWidth'>, tile: WinogradTile = 2): { height: number; width: number } {
  return { height: tile * Math.ceil(g.outHeight / tile) + 2, width: tile * Math.ceil(g.outWidth / tile) + 2 };
}

/**
 * Where F(4×4, 3×3) pays over F(2×2, 3×3) in the forward convolution: where its products (36 per
 * 4 × 4 tile) are below this share of F(2×2)'s (16 per 2 × 2 tile), counting the tiles that pass
 * the output's edge and, as both kernels compute whole quads of 4 tiles, the tiles a last quad
 * repeats (a batch-1 4 × 4 output is one F(4×4) tile in a quad of 4: 144 products a channel pair
 * against F(2×2)'s 64; resnet-mini's batch-1 latency 3.4-4.1 → 4.3 ms with that layer on F(4×4)),
 * and C·CO ≥ `FORWARD_WINOGRAD4_MIN_CHANNEL_PAIRS`. Its larger transforms cost
 * ~20% more per product, and more where few channels share them (bench/winograd4-quads.mjs, batch
 * 64, one thread, C = CO = 32: at equal products, outputs 5 and 6 wide, F(2×2) wins; at 0.81, 9 and
 * 10, they tie; at 0.735, 13 and 14, F(4×4) wins, and at 0.56, the zoo's 28, 11, 7 and 4, by
 * 1.1-1.6x. 28 × 28 outputs: 8→8 channels F(2×2) wins, 8→16 they tie, 16→16, 8→64 and 64→8 F(4×4)
 * wins; docs/results.md "Winograd F(4×4, 3×3): forward").
 */
const FORWARD_WINOGRAD4_PRODUCTS = 0.8;
/** Fewest input × output channels of a forward F(4×4, 3×3) (see `FORWARD_WINOGRAD4_PRODUCTS`). */
const FORWARD_WINOGRAD4_MIN_CHANNEL_PAIRS = 256;

/**
 * The output tile of the forward Winograd convolution `g`: `conv2dChoice.tile` where set, else 4
 * where F(4×4) pays (`FORWARD_WINOGRAD4_PRODUCTS`), else 2.
 */
export function forwardWinogradTile(g: Pick<Conv2DGeometry, 'batch' | 'outHeight' | 'outWidth' | 'inChannels' | 'outChannels'>): WinogradTile {
  if (conv2dChoice.tile !== undefined) return conv2dChoice.tile;
  if (g.inChannels * g.outChannels < FORWARD_WINOGRAD4_MIN_CHANNEL_PAIRS) return 2;
  const computedTiles = (tile: number) => 4 * Math.ceil((g.batch * Math.ceil(g.outHeight / tile) * Math.ceil(g.outWidth / tile)) / 4);
  return 36 * computedTiles(4) < FORWARD_WINOGRAD4_PRODUCTS * 16 * computedTiles(2) ? 4 : 2;
}

/** The two Winograd forms of the forward: transformed positions, filter transform, packed-weight key and panel size. */
const winogradForms = {
  2: { positions: 16, filter: 'winograd_filter', key: 'winograd', panelFloats: winogradPanelFloats, quads: WINOGRAD_QUADS },
  4: { positions: 36, filter: 'winograd4_filter', key: 'winograd4', panelFloats: winograd4PanelFloats, quads: WINOGRAD4_QUADS },
} as const satisfies Record<WinogradTile, { positions: number; filter: keyof SimdKernels; key: string; panelFloats: (channels: number, quads: number) => number; quads: number }>;

/**
 * `out` = x ⊛ filter by Winograd (`forwardWinogradTile`), then `epilogue`, from the filter's transform.
 * F(4×4) reads x's zero padding without making it; F(2×2) reads a zero-padded copy of x.
 */
function winogradConv2d(
  backend: BackendWasm,
  kernels: SimdKernels,
  x: TensorInfo,
  filter: TensorInfo,
  g: Conv2DGeometry,
  out: TensorInfo,
  epilogue: ConvEpilogue,
): TensorInfo {
  const { batch, inChannels, outHeight, outWidth, outChannels } = g;
  const tile = forwardWinogradTile(g);
  const form = winogradForms[tile];
  const filterOffset = heapOffset(backend, filter);
  // u[16 or 36, C, CO]: the filter's transform, kept per filter tensor from its second use (internal/packed-weights.ts).
  const transform = (u: number) => kernels[form.filter](u, filterOffset, inChannels, outChannels, inChannels * outChannels);
  const convolve = (u: number, panel: number) => {
    if (tile === 4) {
      kernels.winograd4_conv3x3(
        heapOffset(backend, out), heapOffset(backend, x), u, panel, batch, g.inHeight, g.inWidth, inChannels,
        outHeight, outWidth, outChannels, g.padTop, g.padLeft, form.quads, epilogue.bias, epilogue.relu, epilogue.residual ?? 0,
      );
      return;
    }
    const { xp, paddedHeight, paddedWidth, release } = paddedInput(backend, kernels, x, g, winogradReach(g, tile));
    withResidual(backend, kernels, out, epilogue, ({ bias, relu }) =>
      kernels.winograd_conv3x3(
        heapOffset(backend, out), heapOffset(backend, xp), u, panel, batch, paddedHeight, paddedWidth, inChannels,
        outHeight, outWidth, outChannels, form.quads, bias, relu,
      ),
    );
    release();
  };
  withPackedWeight(backend, filter, `${form.key}:${inChannels}x${outChannels}`, form.positions * inChannels * outChannels * 4, transform, (u) =>
    withPanels(backend, form.panelFloats(inChannels, form.quads), (panel) => convolve(u, panel)),
  );
  return out;
}

function choice(xnnpackThreaded: boolean): 'ours' | 'stock' {
  if (conv2dChoice.force) return conv2dChoice.force;
  return engine().state.gradientDepth > 0 || !xnnpackThreaded ? 'ours' : 'stock';
}

/** Our Conv2D for the `wasm` backend (the stock XNNPACK kernel where ours does not apply). */
export const conv2dConfig = wasmKernel('Conv2D', conv2d);
