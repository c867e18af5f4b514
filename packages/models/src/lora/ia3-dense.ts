import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { FrozenDense, type FrozenDenseArgs } from './frozen-dense.js';
import { registerCustomLayers } from './register.js';

/** Constructor arguments (and serialised config) of `Ia3Dense`. */
export interface Ia3DenseArgs extends FrozenDenseArgs {
  /**
   * Also learn a vector that rescales the layer's inputs (IA3's l_ff: the activations feeding a
   * dense layer). Default false: only the outputs are rescaled.
   */
  scaleInputs?: boolean;
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
export class Ia3Dense extends FrozenDense {
  /** @nocollapse */
  static className = 'Ia3Dense';
  readonly scaleInputs: boolean;
  private outputScale?: tfl.LayerVariable;
  private inputScale?: tfl.LayerVariable;

  constructor(args: Ia3DenseArgs) {
    super(args);
    registerCustomLayers();
    this.scaleInputs = args.scaleInputs ?? false;
  }

  protected override buildUpdate(inputs: number): void {
    this.outputScale = this.addWeight('ia3_scale', [this.units], 'float32', tfl.initializers.ones(), undefined, true);
    if (this.scaleInputs) this.inputScale = this.addWeight('ia3_input_scale', [inputs], 'float32', tfl.initializers.ones(), undefined, true);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = this.callInput(inputs);
      if (!this.outputScale) throw new Error(`Ia3Dense "${this.name}" called before it was built`);
      let flat = this.flatten(x);
      if (this.inputScale) flat = tf.mul(flat, this.inputScale.read());
      return this.finish(tf.mul(this.frozenOutput(flat), this.outputScale.read()), x);
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
    return { ...super.getConfig(), scaleInputs: this.scaleInputs };
  }
}
