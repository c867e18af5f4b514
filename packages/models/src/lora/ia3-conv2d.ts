import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { FrozenConv2D, type FrozenConv2DArgs } from './frozen-conv2d.js';
import { registerCustomLayers } from './register.js';

/** Constructor arguments (and serialised config) of `Ia3Conv2D`. Layout is NHWC only. */
export type Ia3Conv2DArgs = FrozenConv2DArgs;

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
export class Ia3Conv2D extends FrozenConv2D {
  /** @nocollapse */
  static className = 'Ia3Conv2D';
  private outputScale?: tfl.LayerVariable;

  constructor(args: Ia3Conv2DArgs) {
    super(args);
    registerCustomLayers();
  }

  protected override buildUpdate(): void {
    this.outputScale = this.addWeight('ia3_scale', [this.filters], 'float32', tfl.initializers.ones(), undefined, true);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = this.callInput(inputs);
      if (!this.outputScale) throw new Error(`Ia3Conv2D "${this.name}" called before it was built`);
      const linear = this.frozenOutput(x);
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
}
