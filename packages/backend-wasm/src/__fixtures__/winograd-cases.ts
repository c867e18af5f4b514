/**
 * The convolutions the Winograd tests run in every direction: 3×3, stride 1, with the zoo's layers
 * as one shared list; each direction's test adds the edge shapes its kernel needs.
 */
import type { Pad } from './kernel-cases.js';

/** A 3×3 stride-1 convolution: its input shape, output channels and padding. */
export interface WinogradCase {
  name: string;
  x: [number, number, number, number];
  outChannels: number;
  pad: Pad;
}

/** The zoo's 3×3 stride-1 layers that run by Winograd (bench/winograd.mjs's shapes), at `batch` images. */
export function zooWinogradLayers(batch: number): WinogradCase[] {
  return [
    { name: 'ResNet-mini 28×28×16', x: [batch, 28, 28, 16], outChannels: 16, pad: 'same' },
    { name: 'ResNet-mini 14×14×32', x: [batch, 14, 14, 32], outChannels: 32, pad: 'same' },
    { name: 'ResNet-mini 7×7×64', x: [batch, 7, 7, 64], outChannels: 64, pad: 'same' },
    { name: 'ResNet-mini 4×4×128', x: [batch, 4, 4, 128], outChannels: 128, pad: 'same' },
    { name: 'seed conv2 13×13×32→64 valid', x: [batch, 13, 13, 32], outChannels: 64, pad: 'valid' },
    { name: 'bn-cnn 14×14×32→64', x: [batch, 14, 14, 32], outChannels: 64, pad: 'same' },
  ];
}
