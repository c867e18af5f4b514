import type * as tfl from '@tensorflow/tfjs-layers';

/** Options every zoo builder accepts. */
export interface ModelOptions {
  /** Seeds every initializer: the same seed gives the same weights. Unseeded when omitted. */
  seed?: number;
  /** Width of the logits head. Default 10. */
  numClasses?: number;
  /** Input shape without the batch axis, NHWC. Default `[28, 28, 1]`. */
  inputShape?: [number, number, number];
}

/** `ModelOptions` with defaults filled in. @internal */
export interface ResolvedModelOptions {
  seed: number | undefined;
  numClasses: number;
  inputShape: [number, number, number];
}

/** One zoo entry. @internal */
export interface Architecture {
  name: string;
  description: string;
  build(options: ResolvedModelOptions): tfl.LayersModel;
  /** Parameter count (trainable + BN statistics) computed from shapes, without allocating weights. */
  parameters(options: ResolvedModelOptions): number;
}

/** Parameter counts of the layer kinds the zoo uses, for the shape arithmetic in `parameters`. @internal */
export const count = {
  conv: (kernel: number, inChannels: number, outChannels: number, bias = true) =>
    kernel * kernel * inChannels * outChannels + (bias ? outChannels : 0),
  dense: (inputs: number, units: number) => inputs * units + units,
  // gamma, beta, moving mean, moving variance
  batchNorm: (channels: number) => 4 * channels,
};

/** Spatial output size of a 'valid' convolution or pooling window. @internal */
export function validSize(size: number, kernel: number, stride = 1): number {
  return Math.floor((size - kernel) / stride) + 1;
}

/** Spatial output size of a 'same' convolution. @internal */
export function sameSize(size: number, stride = 1): number {
  return Math.ceil(size / stride);
}

/**
 * Batch-norm settings shared by the zoo: PyTorch's (momentum 0.1 in its convention, eps 1e-5), so
 * short trainings get usable running statistics (Keras' 0.99 needs hundreds of steps to warm up).
 * @internal
 */
export const batchNormDefaults = { momentum: 0.9, epsilon: 1e-5 } as const;
