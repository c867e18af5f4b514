import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { pair } from './pair.js';

/** The wrapped Conv2D's arguments, shared by every frozen-base conv layer (NHWC only). */
export interface FrozenConv2DArgs {
  filters: number;
  kernelSize: number | [number, number];
  strides?: number | [number, number];
  padding?: 'valid' | 'same';
  dilationRate?: number | [number, number];
  /** tfjs-layers activation name of the wrapped Conv2D. Default `linear`. */
  activation?: string;
  useBias?: boolean;
  name?: string;
  trainable?: boolean;
  inputShape?: tfl.Shape;
  batchInputShape?: tfl.Shape;
  dtype?: tf.DataType;
}

/**
 * A Conv2D whose kernel W [kh, kw, in, out] (HWIO, NHWC data) and bias b are frozen, for the
 * fine-tuning layers that add a trainable update to it (LoRA, AdaLoRA, IA3). It owns the wrapped
 * layer's geometry, its two frozen weights (named `kernel` and `bias`, so a Conv2D's saved weights
 * load into it by name), its output shape and its config; a subclass adds its own weights in
 * `buildUpdate` (after kernel and bias, which fixes the saved weight order) and its `call`.
 * Subclasses, not this file, call `registerCustomLayers`: the registry imports every subclass, and a
 * base class inside that import cycle would be used before it is defined.
 */
export abstract class FrozenConv2D extends tfl.layers.Layer {
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: 'valid' | 'same';
  readonly dilationRate: [number, number];
  readonly activation: string;
  readonly useBias: boolean;
  protected readonly activationLayer: tfl.layers.Layer;
  protected kernel?: tfl.LayerVariable;
  protected bias?: tfl.LayerVariable;

  constructor(args: FrozenConv2DArgs) {
    super(args);
    this.filters = args.filters;
    this.kernelSize = pair(args.kernelSize);
    this.strides = pair(args.strides ?? 1);
    this.padding = args.padding ?? 'valid';
    this.dilationRate = pair(args.dilationRate ?? 1);
    this.activation = args.activation ?? 'linear';
    this.useBias = args.useBias ?? true;
    this.activationLayer = tfl.layers.activation({ activation: this.activation as Parameters<typeof tfl.layers.activation>[0]['activation'] });
  }

  /** Adds the subclass's weights for a kernel of `height` x `width` over `channels` input channels. */
  protected abstract buildUpdate(height: number, width: number, channels: number): void;

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const channels = shape[3];
    if (shape.length !== 4 || typeof channels !== 'number') {
      throw new RangeError(`${this.getClassName()} "${this.name}" needs NHWC input with known channels, got ${JSON.stringify(shape)}`);
    }
    const [height, width] = this.kernelSize;
    this.kernel = this.addWeight('kernel', [height, width, channels, this.filters], 'float32', tfl.initializers.zeros(), undefined, false);
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], 'float32', tfl.initializers.zeros(), undefined, false);
    this.buildUpdate(height, width, channels);
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const size = (length: number | null | undefined, axis: 0 | 1): number | null => {
      if (length === null || length === undefined) return null;
      if (this.padding === 'same') return Math.ceil(length / this.strides[axis]);
      const extent = (this.kernelSize[axis] - 1) * this.dilationRate[axis] + 1;
      return Math.floor((length - extent) / this.strides[axis]) + 1;
    };
    return [shape[0] ?? null, size(shape[1], 0), size(shape[2], 1), this.filters];
  }

  /** The input of `call` as a 4-D tensor; throws when the layer is not built. */
  protected callInput(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor4D {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D | undefined;
    if (!x || !this.kernel) throw new Error(`${this.getClassName()} "${this.name}" called before it was built`);
    return x;
  }

  /** conv(x, W) + b by the same fused op a stock Conv2D uses, so a no-op update matches it bit for bit. */
  protected frozenOutput(x: tf.Tensor4D): tf.Tensor4D {
    if (!this.kernel) throw new Error(`${this.getClassName()} "${this.name}" is not built`);
    return tf.fused.conv2d({
      x,
      filter: this.kernel.read() as tf.Tensor4D,
      strides: this.strides,
      pad: this.padding,
      dataFormat: 'NHWC',
      dilations: this.dilationRate,
      ...(this.bias ? { bias: this.bias.read() } : {}),
    });
  }

  /** conv(x, filter) with the wrapped layer's strides, padding and dilation, no bias. */
  protected convolve(x: tf.Tensor4D, filter: tf.Tensor): tf.Tensor4D {
    return tf.conv2d(x, filter as tf.Tensor4D, this.strides, this.padding, 'NHWC', this.dilationRate);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      dilationRate: this.dilationRate,
      activation: this.activation,
      useBias: this.useBias,
    };
  }
}
