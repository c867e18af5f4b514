import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { FrozenConv2D, type FrozenConv2DArgs } from './frozen-conv2d.js';
import { checkLoraOptions } from './lora-options.js';
import { registerCustomLayers } from './register.js';

/** Constructor arguments (and serialised config) of `AdaLoraConv2D`. Layout is NHWC only. */
export interface AdaLoraConv2DArgs extends FrozenConv2DArgs {
  /** Initial rank r ≥ 1. */
  rank: number;
  /** Default: rank (scale 1). */
  alpha?: number;
  seed?: number | null;
}

/**
 * A Conv2D with a frozen kernel W [kh, kw, in, out] and bias b plus an AdaLoRA update, the
 * convolutional form of `AdaLoraDense`: P is a kh×kw convolution to r channels (with the base's
 * strides, padding and dilation), each channel i scaled by λ_i·m_i, and Q a 1×1 convolution to out:
 *
 *   y = act(conv(x, W) + b + (alpha/r) · conv1x1(conv(x, P) ⊙ (λ ⊙ m), Q))
 *
 * With P as a [kh·kw·in, r] matrix and Q as [r, out], the update is the kernel P·diag(λ ⊙ m)·Q,
 * which `mergedKernel` folds into W; the orthogonality penalty and the importance scores read P and
 * Q in that matrix form. λ starts at zero (an exact no-op); P and Q start N(0, 0.02).
 * Weights: `kernel`, `bias` (frozen), `ada_p` [kh,kw,in,r], `ada_lambda` [r], `ada_q` [1,1,r,out], `ada_mask` [r].
 */
export class AdaLoraConv2D extends FrozenConv2D {
  /** @nocollapse */
  static className = 'AdaLoraConv2D';
  readonly rank: number;
  readonly alpha: number;
  readonly seed: number | null;
  /** P, λ, Q and the mask m; public to the budget allocator. */
  p?: tfl.LayerVariable;
  lambda?: tfl.LayerVariable;
  q?: tfl.LayerVariable;
  mask?: tfl.LayerVariable;

  constructor(args: AdaLoraConv2DArgs) {
    super(args);
    registerCustomLayers();
    const { rank, alpha = rank } = args;
    checkLoraOptions(rank, alpha, 0);
    this.rank = rank;
    this.alpha = alpha;
    this.seed = args.seed ?? null;
  }

  /** alpha / rank: the factor on the update. */
  get scale(): number {
    return this.alpha / this.rank;
  }

  protected override buildUpdate(height: number, width: number, channels: number): void {
    const normal = (offset: number) => tfl.initializers.randomNormal({ mean: 0, stddev: 0.02, ...(this.seed === null ? {} : { seed: this.seed + offset }) });
    this.p = this.addWeight('ada_p', [height, width, channels, this.rank], 'float32', normal(0), undefined, true);
    this.lambda = this.addWeight('ada_lambda', [this.rank], 'float32', tfl.initializers.zeros(), undefined, true);
    this.q = this.addWeight('ada_q', [1, 1, this.rank, this.filters], 'float32', normal(1), undefined, true);
    this.mask = this.addWeight('ada_mask', [this.rank], 'float32', tfl.initializers.ones(), undefined, false);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = this.callInput(inputs);
      if (!this.p || !this.lambda || !this.q || !this.mask) throw new Error(`AdaLoraConv2D "${this.name}" called before it was built`);
      let y: tf.Tensor = this.frozenOutput(x);
      const low = this.convolve(x, this.p.read());
      const singular = tf.mul(tf.mul(this.lambda.read(), this.mask.read()), this.scale);
      y = tf.add(y, tf.conv2d(tf.mul(low, singular) as tf.Tensor4D, this.q.read() as tf.Tensor4D, 1, 'valid'));
      return this.activationLayer.apply(y) as tf.Tensor;
    });
  }

  /** ‖PᵀP − I‖²_F + ‖QQᵀ − I‖²_F with P as [kh·kw·in, r] and Q as [r, out]. */
  orthogonalityPenalty(): tf.Scalar {
    return tf.tidy(() => {
      if (!this.p || !this.q) throw new Error(`AdaLoraConv2D "${this.name}" is not built`);
      const identity = tf.eye(this.rank);
      const p = tf.reshape(this.p.read(), [-1, this.rank]);
      const q = tf.reshape(this.q.read(), [this.rank, this.filters]);
      return tf.add(tf.sum(tf.square(tf.sub(tf.matMul(p, p, true, false), identity))), tf.sum(tf.square(tf.sub(tf.matMul(q, q, false, true), identity)))) as tf.Scalar;
    });
  }

  /** Triplets the mask keeps. */
  keptRank(): number {
    if (!this.mask) return this.rank;
    return (this.mask.read().dataSync() as Float32Array).reduce((sum, value) => sum + value, 0);
  }

  /** The equivalent Conv2D kernel W + (alpha/r)·P·diag(λ ⊙ m)·Q, for merging. The caller disposes it. */
  mergedKernel(): tf.Tensor {
    return tf.tidy(() => {
      if (!this.kernel || !this.p || !this.lambda || !this.q || !this.mask) throw new Error(`AdaLoraConv2D "${this.name}" is not built`);
      const [height, width, channels] = this.p.shape as [number, number, number, number];
      const singular = tf.mul(tf.mul(this.lambda.read(), this.mask.read()), this.scale);
      const p = tf.reshape(this.p.read(), [-1, this.rank]);
      const q = tf.reshape(this.q.read(), [this.rank, this.filters]);
      return tf.add(this.kernel.read(), tf.reshape(tf.matMul(tf.mul(p, singular), q), [height, width, channels, this.filters]));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rank: this.rank, alpha: this.alpha, seed: this.seed };
  }
}
