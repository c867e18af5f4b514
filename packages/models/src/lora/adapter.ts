import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ModelOptionError } from '../errors.js';
import { registerCustomLayers } from './register.js';

/** Constructor arguments (and serialised config) of `Adapter`. */
export interface AdapterArgs {
  /** Width of the bottleneck (typical: 8-64, well below the channel count). */
  bottleneck: number;
  seed?: number | null;
  name?: string;
  trainable?: boolean;
  inputShape?: tfl.Shape;
  batchInputShape?: tfl.Shape;
  dtype?: tf.DataType;
}

/**
 * A bottleneck residual adapter (Houlsby et al. 2019) over the last (channel) axis, for dense
 * features [b, c] and NHWC feature maps alike (per pixel it is a 1×1 convolution):
 *
 *   y = x + relu(x·D + d)·U + u,  D: [c, bottleneck], U: [bottleneck, c]
 *
 * U and u start at zero, so a fresh adapter is an exact identity; D starts He-normal. All four
 * weights (`down_kernel`, `down_bias`, `up_kernel`, `up_bias`) are trainable.
 */
export class Adapter extends tfl.layers.Layer {
  /** @nocollapse */
  static className = 'Adapter';
  readonly bottleneck: number;
  readonly seed: number | null;
  private downKernel?: tfl.LayerVariable;
  private downBias?: tfl.LayerVariable;
  private upKernel?: tfl.LayerVariable;
  private upBias?: tfl.LayerVariable;

  constructor(args: AdapterArgs) {
    super(args);
    registerCustomLayers();
    if (!Number.isInteger(args.bottleneck) || args.bottleneck <= 0) {
      throw new ModelOptionError(`Adapter bottleneck must be a positive integer (typical: 8-64), got ${JSON.stringify(args.bottleneck)}`);
    }
    this.bottleneck = args.bottleneck;
    this.seed = args.seed ?? null;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const channels = shape[shape.length - 1];
    if (typeof channels !== 'number') throw new RangeError(`Adapter "${this.name}" needs a known channel count, got ${JSON.stringify(shape)}`);
    const seed = this.seed === null ? {} : { seed: this.seed };
    this.downKernel = this.addWeight('down_kernel', [channels, this.bottleneck], 'float32', tfl.initializers.heNormal(seed), undefined, true);
    this.downBias = this.addWeight('down_bias', [this.bottleneck], 'float32', tfl.initializers.zeros(), undefined, true);
    this.upKernel = this.addWeight('up_kernel', [this.bottleneck, channels], 'float32', tfl.initializers.zeros(), undefined, true);
    this.upBias = this.addWeight('up_bias', [channels], 'float32', tfl.initializers.zeros(), undefined, true);
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      if (!x || !this.downKernel || !this.downBias || !this.upKernel || !this.upBias) throw new Error(`Adapter "${this.name}" called before it was built`);
      const flat = tf.reshape(x, [-1, x.shape[x.shape.length - 1] ?? 0]);
      const hidden = tf.relu(tf.add(tf.matMul(flat, this.downKernel.read()), this.downBias.read()));
      const delta = tf.add(tf.matMul(hidden, this.upKernel.read()), this.upBias.read());
      return tf.add(x, tf.reshape(delta, x.shape));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), bottleneck: this.bottleneck, seed: this.seed };
  }
}
