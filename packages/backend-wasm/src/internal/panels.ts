/**
 * Sizes of the scratch panels our convolution kernels pack their operands into
 * (csrc/training-kernels.c `pack_panel`, `TILE_4X8_PANEL`). Internal.
 * @internal
 */

/** Floats of `conv2d_forward`'s panel: the taps of 4 output pixels. */
export function conv2dForwardPanelFloats(filterHeight: number, filterWidth: number, channels: number): number {
  return 4 * filterHeight * filterWidth * channels;
}

/** Floats of `conv2d_backprop_input`'s panel: one image's dy in quads of pixels, then the tap offsets (int32, padded depth). */
export function conv2dBackpropInputPanelFloats(outHeight: number, outWidth: number, outChannels: number, depth: number): number {
  return Math.ceil((outHeight * outWidth) / 4) * 4 * outChannels + ((depth + 7) & ~7);
}

/** Floats of `matmul`'s panel: A's rows in quads. */
export function matmulPanelFloats(rows: number, depth: number): number {
  return Math.ceil(rows / 4) * 4 * depth;
}

/** Floats of `winograd_conv3x3`'s panel: 16 panels of 4 tiles' transformed input, then 16 × 4 × 8 products. */
export function winogradPanelFloats(channels: number): number {
  return 16 * 4 * channels + 16 * 4 * 8;
}

/**
 * Tiles per block of `winograd_filter_gradient`: its transformed input and output gradient
 * (16 × tiles × (C + CO) floats) within ~32 KB, L1-resident (28×28×16: 16.3 ms at 128 tiles, 13.2
 * at 16; 14×14×32: 12.1 at 128, 10.6 at 16; batch 64, one thread).
 */
export function winogradFilterGradientBlock(channels: number, outChannels: number): number {
  return Math.max(4, Math.floor(512 / (channels + outChannels)));
}

/** Floats of `winograd_filter_gradient`'s scratch: dU[16, C, CO], then one block's V and E. */
export function winogradFilterGradientScratchFloats(channels: number, outChannels: number): number {
  return 16 * channels * outChannels + 16 * winogradFilterGradientBlock(channels, outChannels) * (channels + outChannels);
}
