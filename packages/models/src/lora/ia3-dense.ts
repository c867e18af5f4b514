import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { registerCustomLayers } from './register.js';

/** Constructor arguments (and serialised config) of `Ia3Dense`. */
export interface Ia3DenseArgs {
  /** Output width, as the wrapped Dense. */
  units: number;
  /** tfjs-layers activation name of the wrapped Dense. Default `linear`. */
  activation?: string;
  useBias?: boolean;
  /**
   * Also learn a vector that rescales the layer's inputs (IA3's l_ff: the activations feeding a
   * dense layer). Default false: only the outputs are rescaled.
   */
  scaleInputs?: boolean;
  name?: string;
  trainable?: boolean;
  inputShape?: tfl.Shape;
  batchInputShape?: tfl.Shape;
  dtype?: tf.DataType;
}

/**
 * A Dense layer with a frozen kernel W [in, out] and bias b whose pre-activation output is rescaled
 * per unit by a learned vector (IA3, Liu et al. 2022, "Few-Shot Parameter-Efficient Fine-Tuning is
 * Better and Cheaper than In-Context Learning"):
 *
 *   y = act(((x ⊙ l_in)·W + b) ⊙ l_out),  l_out: [out], l_in: [in] (only with `scaleInputs`)
 *
 * Both vectors start at 1, so a fresh layer computes exactly the wrapped Dense. The scaling is
 * applied before the activation so that it folds exactly into the kernel:
 * W' = diag(l_in)·W·diag(l_out), b' = b ⊙ l_out (`mergedKernel`, `mergedBias`).
 * Weights: `kernel`, `bias` (frozen), `ia3_scale` and `ia3_input_scale` (trainable).
 */
export class Ia3Dense extends tfl.layers.Layer {
  /** @nocollapse */
  static className = 'Ia3Dense';
  readonly units: number;
  readonly activation: string;
  readonly useBias: boolean;
  readonly scaleInputs: boolean;
  private readonly activationLayer: tfl.layers.Layer;
  private kernel?: tfl.LayerVariable;
  private bias?: tfl.LayerVariable;
  private outputScale?: tfl.LayerVariable;
  private inputScale?: tfl.LayerVariable;

  constructor(args: Ia3DenseArgs) {
    super(args);
    registerCustomLayers();
    this.units = args.units;
    this.activation = args.activation ?? 'linear';
    this.useBias = args.useBias ?? true;
    this.scaleInputs = args.scaleInputs ?? false;
    this.activationLayer = tfl.layers.activation({ activation: this.activation as Parameters<typeof tfl.layers.activation>[0]['activation'] });
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const inputs = shape[shape.length - 1];
    if (typeof inputs !== 'number') throw new RangeError(`Ia3Dense "${this.name}" needs a known last input dimension, got ${JSON.stringify(shape)}`);
    this.kernel = this.addWeight('kernel', [inputs, this.units], 'float32', tfl.initializers.zeros(), undefined, false);
    if (this.useBias) this.bias = this.addWeight('bias', [this.units], 'float32', tfl.initializers.zeros(), undefined, false);
    this.outputScale = this.addWeight('ia3_scale', [this.units], 'float32', tfl.initializers.ones(), undefined, true);
    if (this.scaleInputs) this.inputScale = this.addWeight('ia3_input_scale', [inputs], 'float32', tfl.initializers.ones(), undefined, true);
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    return [...shape.slice(0, -1), this.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      if (!x || !this.kernel || !this.outputScale) throw new Error(`Ia3Dense "${this.name}" called before it was built`);
      let flat = tf.reshape(x, [-1, x.shape[x.shape.length - 1] ?? 0]);
      if (this.inputScale) flat = tf.mul(flat, this.inputScale.read());
      const linear = tf.fused.matMul({ a: flat, b: this.kernel.read(), ...(this.bias ? { bias: this.bias.read() } : {}) });
      const y = tf.reshape(tf.mul(linear, this.outputScale.read()), [...x.shape.slice(0, -1), this.units]);
      return this.activationLayer.apply(y) as tf.Tensor;
    });
  }

  /** The equivalent Dense kernel diag(l_in)·W·diag(l_out), for merging. The caller disposes it. */
  mergedKernel(): tf.Tensor {
    return tf.tidy(() => {
      if (!this.kernel || !this.outputScale) throw new Error(`Ia3Dense "${this.name}" is not built`);
      const scaled = tf.mul(this.kernel.read(), this.outputScale.read());
      return this.inputScale ? tf.mul(scaled, tf.reshape(this.inputScale.read(), [-1, 1])) : scaled;
    });
  }

  /** The equivalent Dense bias b ⊙ l_out, or null without a bias. The caller disposes it. */
  mergedBias(): tf.Tensor | null {
    if (!this.bias || !this.outputScale) return null;
    return tf.mul(this.bias.read(), this.outputScale.read());
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), units: this.units, activation: this.activation, useBias: this.useBias, scaleInputs: this.scaleInputs };
  }
}
