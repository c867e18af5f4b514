/**
 * Sizes of the scratch panels our convolution kernels pack their operands into
 * (csrc/training-kernels.c `pack_panel`, `TILE_4X8_PANEL`). Internal.
 * @internal
 */

/** Floats of `conv2d_forward`'s panel: the taps of 4 output pixels, then the filter packed in 8-column slices (`matmulColumnsFloats`). */
export function conv2dForwardPanelFloats(filterHeight: number, filterWidth: number, channels: number, outChannels: number): number {
  const depth = filterHeight * filterWidth * channels;
  return 4 * depth + matmulColumnsFloats(depth, outChannels);
}

/** Floats of `conv2d_backprop_input`'s panel: one image's dy in quads of pixels, then the tap offsets (int32, padded depth). */
export function conv2dBackpropInputPanelFloats(outHeight: number, outWidth: number, outChannels: number, depth: number): number {
  return Math.ceil((outHeight * outWidth) / 4) * 4 * outChannels + ((depth + 7) & ~7);
}

/** Floats of `matmul`'s packed right operand (csrc `pack_columns`): ⌈N / 8⌉ slices of K × 8. */
export function matmulColumnsFloats(depth: number, columns: number): number {
  return Math.ceil(columns / 8) * 8 * depth;
}

/** Floats of `matmul`'s panel: A's rows in quads. */
export function matmulPanelFloats(rows: number, depth: number): number {
  return Math.ceil(rows / 4) * 4 * depth;
}

/**
 * Quads of tiles per group of `winograd_conv3x3`, each 8-co block of u serving them all. Measured
 * (batch 64, one thread, min ms, 1 → 8 quads): 4×4×128→128 10.2 → 7.4, 11×11×32→64 9.9 → 8.8,
 * 14×14×32→64 13.2 → 12.2, the other zoo layers within ±3%; the group's panels stay in L2
 * (8 × (64·C + 512) floats: 278 KB at C = 128).
 */
export const WINOGRAD_QUADS = 8;

/** Floats of `winograd_conv3x3`'s panel: per quad of tiles, 16 panels of their transformed input and 16 × 4 × 8 products. */
export function winogradPanelFloats(channels: number, quads: number): number {
  return quads * (16 * 4 * channels + 16 * 4 * 8);
}

/**
 * Quads of tiles per group of `winograd4_conv3x3` (as `WINOGRAD_QUADS`; a quad's 36 panels are
 * 2.25x F(2×2)'s 16, and it covers 4x their output pixels).
 */
export const WINOGRAD4_QUADS = 4;

/**
 * Floats of `winograd4_conv3x3`'s panel: per quad of tiles, 36 panels of their transformed input
 * and 36 × 4 × 8 products, then one tile's half-transformed 6 × 6 block (4 channels), then per
 * tile its window and output pointers, stored outputs and window rows and columns inside the
 * image (4 words).
 */
export function winograd4PanelFloats(channels: number, quads: number): number {
  return quads * (36 * 4 * channels + 36 * 4 * 8) + 36 * 4 + 4 * quads * 4;
}

/**
 * Tiles per block of `winograd_filter_gradient`: its transformed input and output gradient
 * (16 × tiles × (C + CO) floats) within ~32 KB, L1-resident (28×28×16: 16.3 ms at 128 tiles, 13.2
 * at 16; 14×14×32: 12.1 at 128, 10.6 at 16; batch 64, one thread), but at least (C + CO)/16 tiles:
 * every block reloads and stores dU's 16 × C × CO accumulators, which from C + CO = 128 on costs
 * more than the block's products gain from L1 (bench/winograd-filter-block.mjs; docs/results.md,
 * "Figures behind code choices").
 */
export function winogradFilterGradientBlock(channels: number, outChannels: number): number {
  const width = channels + outChannels;
  return Math.max(4, Math.floor(512 / width), Math.floor(width / 16));
}

/** Floats of `winograd_filter_gradient`'s scratch: dU[16, C, CO], then one block's V and E. */
export function winogradFilterGradientScratchFloats(channels: number, outChannels: number): number {
  return 16 * channels * outChannels + 16 * winogradFilterGradientBlock(channels, outChannels) * (channels + outChannels);
}

/**
 * Tiles per block of `winograd4_filter_gradient`. Each of its 36 GEMMs reads one position's V and E
 * of the block (16 × (C + CO) floats: 2-16 KB on the zoo's layers, L1-resident) while the whole
 * block (36 times that) may sit in L2; fewer tiles add the block sums into dU's 36 × C × CO floats
 * (2.3 MB at C = CO = 128) more often, and a block is the first level of the kernel's two-level sum
 * over tiles, so its size also sets the rounding. Raw kernel, batch 64, one thread, min ms of 15 for
 * blocks 4 / 8 / 16 / 32 / 64 (bench/winograd-filter-block.mjs --tile 4): 28×28×16 4.26 / 3.94 /
 * 4.21 / 4.91 / 6.11, 14×14×32 4.18 / 3.91 / 4.29 / 4.92 / 5.02, 7×7×64 3.99 / 3.77 / 3.98 / 3.85 /
 * 3.83, 4×4×128 5.41 / 5.08 / 4.81 / 4.64 / 5.13; 16 is within 10% of the fastest on each, and its
 * error against a float64 sum at batch 64 (at most 5.7e-6 relative; 8.0e-6 with blocks of 8:
 * bench/winograd-filter-gradient-error.mjs) leaves the kernel tolerance more headroom.
 */
export const WINOGRAD4_FILTER_GRADIENT_BLOCK = 16;

/** Floats of `winograd4_filter_gradient`'s scratch: dU[36, C, CO], one block's V and E, and 36 × 4 floats for a tile's transform in progress. */
export function winograd4FilterGradientScratchFloats(channels: number, outChannels: number): number {
  return 36 * channels * outChannels + 36 * WINOGRAD4_FILTER_GRADIENT_BLOCK * (channels + outChannels) + 36 * 4;
}

/** Floats of `winograd_input_gradient`'s panel: per quad of tiles, 16 panels of their transformed dy (4·CO each) and 16 × 4 × 8 products. */
export function winogradInputGradientPanelFloats(outChannels: number, quads: number): number {
  return quads * (16 * 4 * outChannels + 16 * 4 * 8);
}

/**
 * Quads of tiles per group of `winograd4_input_gradient`: its 36 panels per quad take 2.25x the
 * floats of F(2×2)'s 16, so half of `WINOGRAD_QUADS` keeps a group's panels as large (4 × 36 × 4·CO
 * floats: 295 KB at CO = 128, within L2).
 */
export const WINOGRAD4_INPUT_GRADIENT_QUADS = 4;

/** Floats of `winograd4_input_gradient`'s panel: per quad of tiles, 36 panels of their transformed dy (4·CO each) and 36 × 4 × 8 products. */
export function winograd4InputGradientPanelFloats(outChannels: number, quads: number): number {
  return quads * (36 * 4 * outChannels + 36 * 4 * 8);
}
