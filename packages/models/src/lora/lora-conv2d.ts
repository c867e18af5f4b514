import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkLoraOptions } from './lora-options.js';
import { registerCustomLayers } from './register.js';
import { FrozenConv2D, type FrozenConv2DArgs } from './frozen-conv2d.js';

/** Constructor arguments (and serialised config) of `LoraConv2D`. Layout is NHWC only. */
export interface LoraConv2DArgs extends FrozenConv2DArgs {
  /** LoRA rank r ≥ 1. */
  rank: number;
  /** Default: rank (scale 1). */
  alpha?: number;
  /** Dropout rate on the LoRA path's input during training. Default 0. */
  dropout?: number;
  seed?: number | null;
}

/**
 * A Conv2D with a frozen base kernel W [kh, kw, in, out] (HWIO, NHWC data) and bias b, plus LoRA:
 * A is a kh×kw convolution to r channels with the base's strides, padding and dilation, B a 1×1
 * convolution from r to out channels:
 *
 *   y = act(conv(x, W) + b + (alpha/r) · conv1x1(conv(dropout(x), A), B))
 *
 * Both are linear in x, so the update equals conv(x, A⊗B) with (A⊗B)[i,j,c,o] = Σ_k A[i,j,c,k]·B[k,o],
 * which `mergedKernel` folds into W. B starts at zero (an exact no-op at first); A starts uniform in
 * ±1/√(kh·kw·in). Weights: `kernel`, `bias` (frozen), `lora_a` [kh,kw,in,r], `lora_b` [1,1,r,out].
 */
export class LoraConv2D extends FrozenConv2D {
  /** @nocollapse */
  static className = 'LoraConv2D';
  readonly rank: number;
  readonly alpha: number;
  readonly dropout: number;
  readonly seed: number | null;
  private loraA?: tfl.LayerVariable;
  private loraB?: tfl.LayerVariable;

  constructor(args: LoraConv2DArgs) {
    super(args);
    registerCustomLayers();
    const { rank, alpha = rank, dropout = 0 } = args;
    checkLoraOptions(rank, alpha, dropout);
    this.rank = rank;
    this.alpha = alpha;
    this.dropout = dropout;
    this.seed = args.seed ?? null;
  }

  /** alpha / rank: the factor on the LoRA path. */
  get scale(): number {
    return this.alpha / this.rank;
  }

  protected override buildUpdate(height: number, width: number, channels: number): void {
    const bound = 1 / Math.sqrt(height * width * channels);
    this.loraA = this.addWeight(
      'lora_a',
      [height, width, channels, this.rank],
      'float32',
      tfl.initializers.randomUniform({ minval: -bound, maxval: bound, ...(this.seed === null ? {} : { seed: this.seed }) }),
      undefined,
      true,
    );
    this.loraB = this.addWeight('lora_b', [1, 1, this.rank, this.filters], 'float32', tfl.initializers.zeros(), undefined, true);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const x = this.callInput(inputs);
      if (!this.loraA || !this.loraB) throw new Error(`LoraConv2D "${this.name}" called before it was built`);
      let y: tf.Tensor = this.frozenOutput(x);
      const loraInput = kwargs.training === true && this.dropout > 0 ? (tf.dropout(x, this.dropout) as tf.Tensor4D) : x;
      const update = tf.conv2d(this.convolve(loraInput, this.loraA.read()), this.loraB.read() as tf.Tensor4D, 1, 'valid');
      y = tf.add(y, tf.mul(update, this.scale));
      return this.activationLayer.apply(y) as tf.Tensor;
    });
  }

  /** The equivalent Conv2D kernel W + (alpha/r)·(A⊗B), for merging. The caller disposes it. */
  mergedKernel(): tf.Tensor {
    return tf.tidy(() => {
      if (!this.kernel || !this.loraA || !this.loraB) throw new Error(`LoraConv2D "${this.name}" is not built`);
      const [height, width, channels] = this.loraA.shape as [number, number, number, number];
      const a = tf.reshape(this.loraA.read(), [height * width * channels, this.rank]);
      const b = tf.reshape(this.loraB.read(), [this.rank, this.filters]);
      const update = tf.reshape(tf.matMul(a, b), [height, width, channels, this.filters]);
      return tf.add(this.kernel.read(), tf.mul(update, this.scale));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rank: this.rank, alpha: this.alpha, dropout: this.dropout, seed: this.seed };
  }
}
