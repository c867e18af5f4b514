/**
 * Conv2DBackpropInput: the input gradient of a 2-D convolution, NHWC, filter HWIO,
 *
 *   dx[n, h, w, c] = Σ_{kh, kw, co} dy[n, (h + padTop − kh)/sh, (w + padLeft − kw)/sw, co] · W[kh, kw, c, co]
 *
 * (terms with a non-integer or out-of-range dy index vanish). Replaces the stock scalar loop with
 * one of five strategies:
 *
 * - full convolution (stride 1) on our forward kernel (XNNPACK without the SIMD module): dx = conv(dy, W̃) with
 *   W̃[kh, kw, co, c] = W[KH−1−kh, KW−1−kw, c, co] and padding (KH−1−padTop, …). 3-6x faster than
 *   GEMM + JS col2im (14×14×32→32: 12-15 ms vs 36-133 ms, min-of-7, batch 64).
 * - GEMM + col2im: dcol[M, K] = dy[M, CO] · Wᵀ[CO, K] on XNNPACK (M = N·OH·OW, K = KH·KW·C), then
 *   a scatter-add into dx (csrc/training-kernels.c `col2im`; a JS loop without SIMD); padding taps
 *   are dropped. At stride > 1 the full convolution would run over a zero-dilated dy (4x the work
 *   at stride 2, measured 53 ms vs 23-34 ms). Chosen only without the SIMD module at stride > 1;
 *   with it, only when `backpropInputChoice.force` asks (benches, the threads test).
 * - Winograd F(4×4, 3×3) or F(2×2, 3×3) (below).
 * - direct (SIMD module): the same GEMM fused with its scatter in our own kernel
 *   (`conv2d_backprop_input`, register tile 4 pixels × 8 taps), no dcol buffer.
 * - phases (stride > 1, SIMD module): one stride-1 forward convolution of dy per phase of dx's rows and columns
 *   (`phasesInputGradient`), scattered into dx.
 *
 * Which wins, batch 64, min-of-7 cpu ms, one thread, bench/kernel-timings.mjs at load 4-5 (XNNPACK
 * ran no faster with 2 threads on these shapes, so the choice does not depend on threads):
 *
 * - C < 8 (first layers: XNNPACK runs a full convolution with 1 output channel at 1-1.7
 *   GFLOP/s): full conv → GEMM + col2im → direct: 28×28×1 k5 24.9 → 10.0 → 6.6,
 *   28×28×1 k3 valid 14.1 → 6.9 → 4.5, 'same' 13.5 → 7.2 → 5.3, 28×28×1→16 6.1 → 3.5 (GEMM → direct).
 * - stride 1, C ≥ 8, 'same'-like (dx has about as many pixels as dy): the full convolution
 *   (28×28×16: 14.4 vs 28.3 GEMM + col2im; the direct kernel 26.0 in a standalone loop).
 * - stride 1, 3×3, CO % 4 = 0, C % 8 = 0, CO ≥ 8 (conv2d.ts `winogradApplies`): Winograd
 *   F(2×2, 3×3), 2.25x fewer products. Its adjoint (csrc `winograd_input_gradient`: dy's own 2 × 2
 *   tiles, each adding B·dV·Bᵀ into its 4 × 4 window of dx), or, for 'same' layers with C < 32, the
 *   full convolution of a zero-padded dy on the Winograd forward. bench/winograd.mjs, one thread,
 *   min ms, direct → full convolution → adjoint: seed conv2 13×13×32 ← 11×11×64 25.8 → 21.8 →
 *   15.6 (the full convolution's dy padded to 15×15 has 49 tiles an image, dy 36); 'same'
 *   14×14×32 ← 64 39.5 → 22.4 → 17.0; ResNet 28×28×16 33.8 → 16.2 → 19.2, 14×14×32 25.6 → 11.5 →
 *   11.7, 4×4×128 22.4 → 14.2 → 13.8. Up to 256 channels of dy (`winogradAdjointTile`) the adjoint
 *   runs on dy's 4 × 4 tiles instead (csrc `winograd4_input_gradient`, F(4×4, 3×3): 36 products per
 *   tile where 2 × 2 tiles take 64), which beat F(2×2) and the full convolution on every zoo layer
 *   (docs/results.md, "Winograd F(4×4, 3×3): input gradient"), so it runs for C < 32 too.
 * - stride 1, C ≥ 8, 'valid' (the full convolution mostly multiplies padding zeros): direct, a tie
 *   with GEMM + col2im without its M×K buffer (13×13×32 23.3 vs 23.6, 12×12×24 k5 14.8 vs 15.5;
 *   full conv 23.3 and 18.3).
 * - stride > 1, C ≥ 8: one stride-1 forward convolution of dy per phase of dx. The direct kernel
 *   adds every product into dx (read-modify-write per tap); a phase's forward convolution writes each
 *   dx pixel once, and its 3 × 3 sub-filters (a 5 × 5 layer's odd phase) run on Winograd. Phases beat
 *   the direct kernel on the strided zoo layers (two of ResNet-mini's stride-2 3 × 3 layers tie), and
 *   the direct kernel beats GEMM + col2im, which writes an M × K dcol buffer first (29.5 MB for a k5
 *   layer) and then scatters it (docs/results.md, "Figures behind code choices").
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapF32, input, alias, type WasmKernelArgs, wasmKernel } from '../internal/heap.js';
import { stockKernel, stockTranspose, xnnConv2d, xnnMatMul } from '../internal/stock-kernels.js';
import { conv2dGeometry, type Conv2DGeometry, type ConvBackpropAttrs } from '../internal/conv-geometry.js';
import { withPackedWeight } from '../internal/packed-weights.js';
import { conv2dBackpropInputPanelFloats, winograd4InputGradientPanelFloats, winogradInputGradientPanelFloats, WINOGRAD4_INPUT_GRADIENT_QUADS, WINOGRAD_QUADS } from '../internal/panels.js';
import { heapOffset, simdKernels, withPanels, type SimdKernels } from '../internal/simd-kernels.js';
import { conv2dChoice, directConv2d, winogradApplies, type WinogradTile } from './conv2d.js';

/** Overrides the choice where our SIMD module runs (benches; 'full-convolution' only at stride 1). */
export const backpropInputChoice: { force?: Strategy } = {};

/** Below this many input channels the direct kernel runs at stride 1 too (it runs at every stride > 1; measured, see above). */
const DIRECT_MAX_CHANNELS = 8;
/** From this many input channels on, 'same' stride-1 layers take the Winograd adjoint rather than the full convolution (measured, see the header). */
const WINOGRAD_ADJOINT_MIN_CHANNELS = 32;
/**
 * Stride-1 layers whose input has more than this many times the pixels of dy leave the full
 * convolution, which computes every dx pixel from a zero-padded dy ('valid' 12×12 ← 8×8: 2.25x
 * the work of the GEMM; 'same': 1x).
 */
const FULL_CONV_MAX_PIXEL_RATIO = 1.25;

/**
 * Most channels of dy the F(4×4) adjoint takes. Its larger transforms (entries up to 8 and 5) round
 * more than F(2×2)'s, and the error grows with the reduction over dy's channels: max-norm relative
 * error against cpu at CO = 128 / 256 / 512 ≈ 5e-6 / 7e-6 / 9e-6 (F(2×2): 5e-7 / 6e-7 / 9e-7), so
 * ResNet-18's 512-wide layers keep F(2×2) within `tolerances.kernel` (1e-5) with a margin.
 */
const WINOGRAD4_ADJOINT_MAX_OUT_CHANNELS = 256;

type Strategy = 'winograd' | 'full-convolution' | 'gemm-col2im' | 'direct' | 'phases';

/** The measured choice (see the header); without the SIMD module, full convolution or GEMM + JS col2im. */
function strategy(g: Conv2DGeometry, simd: boolean): Strategy {
  const stride1 = g.strideHeight === 1 && g.strideWidth === 1;
  if (!simd) return stride1 ? 'full-convolution' : 'gemm-col2im';
  const forced = backpropInputChoice.force;
  if (forced && (stride1 || forced !== 'full-convolution')) return forced;
  if (g.inChannels < DIRECT_MAX_CHANNELS) return 'direct'; // every stride: first layers
  if (!stride1) return 'phases';
  // Winograd (dy's CO channels in, C out: conv2d.ts `winogradApplies`): its adjoint on dy's own tiles, always on 4 × 4
  // tiles; on 2 × 2 tiles, the full convolution of a zero-padded dy on the Winograd forward instead where that has no
  // more tiles and C < 32 (the adjoint's read-modify-write of overlapping 4 × 4 windows then costs more).
  if (winogradApplies({ ...g, inChannels: g.outChannels, outChannels: g.inChannels })) {
    if ((conv2dChoice.tile ?? winogradAdjointTile(g)) === 4) return 'winograd';
    const tiles = (height: number, width: number) => Math.ceil(height / 2) * Math.ceil(width / 2);
    return g.inChannels >= WINOGRAD_ADJOINT_MIN_CHANNELS || tiles(g.inHeight, g.inWidth) > tiles(g.outHeight, g.outWidth) ? 'winograd' : 'full-convolution';
  }
  return g.inHeight * g.inWidth <= FULL_CONV_MAX_PIXEL_RATIO * g.outHeight * g.outWidth ? 'full-convolution' : 'direct';
}

/**
 * The tile of the Winograd adjoint (`conv2dChoice.tile` overrides it): F(4×4, 3×3) (csrc
 * `winograd4_input_gradient`: 36 products per 4 × 4 tile of dy, input and output channel, 2.25 per
 * dy pixel where F(2×2) takes 4) up to `WINOGRAD4_ADJOINT_MAX_OUT_CHANNELS` channels of dy, else
 * F(2×2, 3×3). F(4×4) ran faster than both F(2×2) and the full convolution on every zoo layer on one
 * thread, and no slower on two within this machine's noise (bench/winograd.mjs; docs/results.md,
 * "Winograd F(4×4, 3×3): input gradient").
 */
export function winogradAdjointTile(g: Pick<Conv2DGeometry, 'outChannels'>): WinogradTile {
  return g.outChannels <= WINOGRAD4_ADJOINT_MAX_OUT_CHANNELS ? 4 : 2;
}

/**
 * The HWIO filter with its channel axes swapped (HWOI: W̃[kh, kw, co, c] = W[kh, kw, c, co]), and with
 * `rotate` also turned by 180° (W[KH−1−kh, KW−1−kw, c, co]: the full convolution's filter).
 */
function swappedFilter(backend: BackendWasm, filter: TensorInfo, g: Conv2DGeometry, rotate: boolean): TensorInfo {
  const { filterHeight, filterWidth, inChannels, outChannels } = g;
  const info = backend.makeOutput([filterHeight, filterWidth, outChannels, inChannels], 'float32');
  const taps = filterHeight * filterWidth;
  for (let tap = 0; tap < taps; tap++) swapTapChannels(backend, info, tap, filter, rotate ? taps - 1 - tap : tap, inChannels, outChannels);
  return info;
}

/**
 * Tap `targetTap` of `target` (HWOI) = tap `sourceTap` of `filter` (HWIO) with its [C, CO] matrix
 * transposed: on our module's `transpose_matrix` where it runs (4 × 4 blocks through registers; a
 * JS loop over a resnet-mini step's filters is 5-10x slower, docs/results.md), else in JS.
 */
function swapTapChannels(backend: BackendWasm, target: TensorInfo, targetTap: number, filter: TensorInfo, sourceTap: number, inChannels: number, outChannels: number): void {
  const size = inChannels * outChannels;
  const kernels = simdKernels(backend);
  if (kernels) {
    kernels.transpose_matrix(heapOffset(backend, target) + 4 * targetTap * size, heapOffset(backend, filter) + 4 * sourceTap * size, inChannels, outChannels);
    return;
  }
  const [swapped, weights] = [heapF32(backend, target), heapF32(backend, filter)];
  const [to, from] = [targetTap * size, sourceTap * size];
  for (let c = 0; c < inChannels; c++) {
    for (let co = 0; co < outChannels; co++) swapped[to + co * inChannels + c] = weights[from + c * outChannels + co] as number;
  }
}

/**
 * dx of a strided convolution as stride_h · stride_w stride-1 convolutions, one per phase (a, b) of dx's rows and
 * columns: dx[n, a + sh·i, b + sw·j] only meets the taps kh ≡ a + padTop (mod sh), kw ≡ b + padLeft (mod sw), so
 *
 *   dx[n, a + sh·i, b + sw·j, c] = Σ_{u, v, co} dy[n, i + qa − (Ta − 1) + u, j + qb − (Tb − 1) + v, co] · W[kh0 + sh·(Ta − 1 − u), kw0 + sw·(Tb − 1 − v), c, co]
 *
 * with kh0 = (a + padTop) mod sh, Ta = ⌈(KH − kh0)/sh⌉ taps, qa = (a + padTop − kh0)/sh: a forward convolution of dy
 * with that sub-filter (channels swapped, turned by 180°) on our forward kernel (Winograd where the sub-filter is
 * 3 × 3), scattered into dx (csrc `scatter_phase`). Each dx pixel is computed once and written once, where the
 * direct kernel adds every tap's product into dx. Null where a phase would need negative padding (the caller then
 * runs the direct kernel).
 */
function phasesInputGradient(backend: BackendWasm, kernels: SimdKernels, dy: TensorInfo, filter: TensorInfo, g: Conv2DGeometry): TensorInfo | null {
  const { batch, inHeight, inWidth, inChannels, filterHeight, filterWidth, outHeight, outWidth, outChannels, strideHeight, strideWidth, padTop, padLeft } = g;
  /** One axis of a phase: its first tap, tap count, rows of dx it covers, and the sub-convolution's paddings. */
  const axis = (offset: number, pad: number, stride: number, filterSize: number, inSize: number, outSize: number) => {
    const first = (offset + pad) % stride;
    const taps = first < filterSize ? Math.ceil((filterSize - first) / stride) : 0;
    const shift = (offset + pad - first) / stride;
    const size = offset < inSize ? Math.ceil((inSize - offset) / stride) : 0;
    return { first, taps, size, before: taps - 1 - shift, after: size + shift - outSize };
  };
  const phases = [];
  for (let a = 0; a < strideHeight; a++) {
    for (let b = 0; b < strideWidth; b++) {
      const rows = axis(a, padTop, strideHeight, filterHeight, inHeight, outHeight);
      const columns = axis(b, padLeft, strideWidth, filterWidth, inWidth, outWidth);
      if (rows.size === 0 || columns.size === 0) continue;
      if (rows.taps > 0 && columns.taps > 0 && Math.min(rows.before, rows.after, columns.before, columns.after) < 0) return null;
      phases.push({ a, b, rows, columns });
    }
  }
  const dxInfo = backend.makeOutput([batch, inHeight, inWidth, inChannels], 'float32');
  if (phases.some(({ rows, columns }) => rows.taps === 0 || columns.taps === 0)) heapF32(backend, dxInfo).fill(0);
  for (const { a, b, rows, columns } of phases) {
    if (rows.taps === 0 || columns.taps === 0) continue;
    const subInfo = backend.makeOutput([rows.taps, columns.taps, outChannels, inChannels], 'float32');
    for (let u = 0; u < rows.taps; u++) {
      for (let v = 0; v < columns.taps; v++) {
        const kh = rows.first + strideHeight * (rows.taps - 1 - u);
        const kw = columns.first + strideWidth * (columns.taps - 1 - v);
        swapTapChannels(backend, subInfo, u * columns.taps + v, filter, kh * filterWidth + kw, inChannels, outChannels);
      }
    }
    const pads: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [rows.before, rows.after], [columns.before, columns.after], [0, 0]];
    const phase = directConv2d(backend, kernels, dy, subInfo, conv2dGeometry('Conv2DBackpropInput', dy.shape, subInfo.shape, 1, pads, undefined, 'NHWC'));
    backend.disposeData(subInfo.dataId);
    kernels.scatter_phase(heapOffset(backend, dxInfo), heapOffset(backend, phase), batch, inHeight, inWidth, inChannels, rows.size, columns.size, a, b, strideHeight, strideWidth);
    backend.disposeData(phase.dataId);
  }
  return dxInfo;
}

function conv2dBackpropInput(args: WasmKernelArgs): TensorInfo {
  const { backend } = args;
  const dy = input(args, 'Conv2DBackpropInput', 'dy');
  const filter = input(args, 'Conv2DBackpropInput', 'filter');
  const attrs = args.attrs as unknown as ConvBackpropAttrs & { inputShape: [number, number, number, number] };
  const g = conv2dGeometry('Conv2DBackpropInput', attrs.inputShape, filter.shape, attrs.strides, attrs.pad, attrs.dimRoundingMode, attrs.dataFormat);
  const { batch, inHeight, inWidth, inChannels, filterHeight, filterWidth, outHeight, outWidth, strideHeight, strideWidth, padTop, padLeft, outChannels } = g;
  // A dy whose shape is not the forward output of `inputShape` (conv2dTranspose lets callers ask for
  // that) goes to the stock kernel, which like cpu returns `inputShape` and reads dy by the geometry
  // of inputShape; every strategy below derives shapes from dy's own size.
  if (dy.shape[0] !== batch || dy.shape[1] !== outHeight || dy.shape[2] !== outWidth || dy.shape[3] !== outChannels) return stockKernel('Conv2DBackpropInput')(args);
  const kernels = simdKernels(backend);
  const chosen = strategy(g, kernels !== null);
  if (kernels && chosen === 'winograd') {
    // ut = the Winograd transform of the filter with its channel axes swapped (HWOI), then the adjoint kernel;
    // ut is kept per filter tensor from its second use (internal/packed-weights.ts: a frozen layer's filter is transformed once).
    const tile = conv2dChoice.tile ?? winogradAdjointTile(g);
    const [positions, form, filterTransform] = tile === 4 ? [36, 'winograd4-swapped', kernels.winograd4_filter] : [16, 'winograd-swapped', kernels.winograd_filter];
    const transform = (ut: number) => {
      const swappedInfo = swappedFilter(backend, filter, g, false);
      filterTransform(ut, heapOffset(backend, swappedInfo), outChannels, inChannels, outChannels * inChannels);
      backend.disposeData(swappedInfo.dataId);
    };
    const dxInfo = backend.makeOutput([...attrs.inputShape], 'float32');
    const [adjoint, panelFloats, quads] =
      tile === 4
        ? [kernels.winograd4_input_gradient, winograd4InputGradientPanelFloats(outChannels, WINOGRAD4_INPUT_GRADIENT_QUADS), WINOGRAD4_INPUT_GRADIENT_QUADS]
        : [kernels.winograd_input_gradient, winogradInputGradientPanelFloats(outChannels, WINOGRAD_QUADS), WINOGRAD_QUADS];
    withPackedWeight(backend, filter, `${form}:${inChannels}x${outChannels}`, positions * outChannels * inChannels * 4, transform, (ut) =>
      withPanels(backend, panelFloats, (panel) =>
        adjoint(
          heapOffset(backend, dxInfo), heapOffset(backend, dy), ut, panel, batch, inHeight, inWidth, inChannels,
          outHeight, outWidth, outChannels, padTop, padLeft, quads,
        ),
      ),
    );
    return dxInfo;
  }
  if (chosen === 'full-convolution') {
    const top = filterHeight - 1 - padTop;
    const left = filterWidth - 1 - padLeft;
    const bottom = inHeight - outHeight - top + filterHeight - 1;
    const right = inWidth - outWidth - left + filterWidth - 1;
    // Negative only for paddings wider than the filter, which no zoo model uses.
    if (top >= 0 && left >= 0 && bottom >= 0 && right >= 0) {
      const flippedInfo = swappedFilter(backend, filter, g, true);
      const pads: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [top, bottom], [left, right], [0, 0]];
      const dxInfo = kernels
        ? directConv2d(backend, kernels, dy, flippedInfo, conv2dGeometry('Conv2DBackpropInput', dy.shape, flippedInfo.shape, 1, pads, undefined, 'NHWC'))
        : xnnConv2d(backend, dy, flippedInfo, [1, 1], [1, 1], pads);
      backend.disposeData(flippedInfo.dataId);
      return dxInfo;
    }
  }
  if (kernels && chosen === 'phases') {
    const dxInfo = phasesInputGradient(backend, kernels, dy, filter, g);
    if (dxInfo) return dxInfo;
  }
  const rows = batch * outHeight * outWidth;
  const depth = filterHeight * filterWidth * inChannels;
  if (kernels && (chosen === 'direct' || chosen === 'phases')) {
    // Direct: wt = Wᵀ padded to 8 columns, the fused GEMM + scatter into a padded dxp, then crop.
    const paddedDepth = (depth + 7) & ~7;
    const paddedHeight = (outHeight - 1) * strideHeight + filterHeight;
    const paddedWidth = (outWidth - 1) * strideWidth + filterWidth;
    const crop = padTop > 0 || padLeft > 0 || paddedHeight !== inHeight || paddedWidth !== inWidth;
    const wt = backend.makeOutput([outChannels, paddedDepth], 'float32');
    const dxInfo = backend.makeOutput([...attrs.inputShape], 'float32');
    const dxp = crop ? backend.makeOutput([batch, paddedHeight, paddedWidth, inChannels], 'float32') : dxInfo;
    kernels.transpose_filter(heapOffset(backend, wt), heapOffset(backend, filter), depth, outChannels, paddedDepth);
    withPanels(backend, conv2dBackpropInputPanelFloats(outHeight, outWidth, outChannels, depth), (panel) =>
      kernels.conv2d_backprop_input(
        heapOffset(backend, dxp), heapOffset(backend, dy), heapOffset(backend, wt), panel, batch, paddedHeight, paddedWidth,
        inChannels, filterHeight, filterWidth, outHeight, outWidth, outChannels, strideHeight, strideWidth,
      ),
    );
    if (crop) {
      kernels.crop_images(heapOffset(backend, dxInfo), heapOffset(backend, dxp), batch, inHeight, inWidth, inChannels, padTop, padLeft, paddedHeight, paddedWidth);
      backend.disposeData(dxp.dataId);
    }
    backend.disposeData(wt.dataId);
    return dxInfo;
  }

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
export const conv2dBackpropInputConfig = wasmKernel('Conv2DBackpropInput', conv2dBackpropInput);
