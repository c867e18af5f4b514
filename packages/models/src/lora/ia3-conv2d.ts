import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { registerCustomLayers } from './register.js';
import { pair } from './pair.js';

/** Constructor arguments (and serialised config) of `Ia3Conv2D`. Layout is NHWC only. */
export interface Ia3Conv2DArgs {
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
 * A Conv2D with a frozen kernel W [kh, kw, in, out] (HWIO, NHWC data) and bias b whose
 * pre-activation output channels are rescaled by a learned vector (IA3, Liu et al. 2022):
 *
 *   y = act((conv(x, W) + b) ⊙ l),  l: [out], initialised to 1
 *
 * A fresh layer computes exactly the wrapped Conv2D. Scaling output channel o scales kernel slice
 * W[:, :, :, o] and b[o], so `mergedKernel` / `mergedBias` fold it in exactly.
 * Weights: `kernel`, `bias` (frozen), `ia3_scale` (trainable).
 */
export class Ia3Conv2D extends tfl.layers.Layer {
  /** @nocollapse */
  static className = 'Ia3Conv2D';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: 'valid' | 'same';
  readonly dilationRate: [number, number];
  readonly activation: string;
  readonly useBias: boolean;
  private readonly activationLayer: tfl.layers.Layer;
  private kernel?: tfl.LayerVariable;
  private bias?: tfl.LayerVariable;
  private outputScale?: tfl.LayerVariable;

  constructor(args: Ia3Conv2DArgs) {
    super(args);
    registerCustomLayers();
    this.filters = args.filters;
    this.kernelSize = pair(args.kernelSize);
    this.strides = pair(args.strides ?? 1);
    this.padding = args.padding ?? 'valid';
    this.dilationRate = pair(args.dilationRate ?? 1);
    this.activation = args.activation ?? 'linear';
    this.useBias = args.useBias ?? true;
    this.activationLayer = tfl.layers.activation({ activation: this.activation as Parameters<typeof tfl.layers.activation>[0]['activation'] });
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const channels = shape[3];
    if (shape.length !== 4 || typeof channels !== 'number') {
      throw new RangeError(`Ia3Conv2D "${this.name}" needs NHWC input with known channels, got ${JSON.stringify(shape)}`);
    }
    const [height, width] = this.kernelSize;
    this.kernel = this.addWeight('kernel', [height, width, channels, this.filters], 'float32', tfl.initializers.zeros(), undefined, false);
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], 'float32', tfl.initializers.zeros(), undefined, false);
    this.outputScale = this.addWeight('ia3_scale', [this.filters], 'float32', tfl.initializers.ones(), undefined, true);
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

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D | undefined;
      if (!x || !this.kernel || !this.outputScale) throw new Error(`Ia3Conv2D "${this.name}" called before it was built`);
      const linear = tf.fused.conv2d({
        x,
        filter: this.kernel.read() as tf.Tensor4D,
        strides: this.strides,
        pad: this.padding,
        dataFormat: 'NHWC',
        dilations: this.dilationRate,
        ...(this.bias ? { bias: this.bias.read() } : {}),
      });
      return this.activationLayer.apply(tf.mul(linear, this.outputScale.read())) as tf.Tensor;
    });
  }

  /** The equivalent Conv2D kernel W ⊙ l (l broadcast over output channels), for merging. The caller disposes it. */
  mergedKernel(): tf.Tensor {
    if (!this.kernel || !this.outputScale) throw new Error(`Ia3Conv2D "${this.name}" is not built`);
    return tf.mul(this.kernel.read(), this.outputScale.read());
  }

  /** The equivalent Conv2D bias b ⊙ l, or null without a bias. The caller disposes it. */
  mergedBias(): tf.Tensor | null {
    if (!this.bias || !this.outputScale) return null;
    return tf.mul(this.bias.read(), this.outputScale.read());
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
