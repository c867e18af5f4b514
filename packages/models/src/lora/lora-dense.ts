import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { FrozenDense, type FrozenDenseArgs } from './frozen-dense.js';
import { checkLoraOptions } from './lora-options.js';
import { registerCustomLayers } from './register.js';

/** Constructor arguments (and serialised config) of `LoraDense`. */
export interface LoraDenseArgs extends FrozenDenseArgs {
  /** LoRA rank r ≥ 1. */
  rank: number;
  /** LoRA alpha; the update is scaled by alpha / rank. Default: rank. */
  alpha?: number;
  /** Dropout rate on the LoRA path's input during training. Default 0. */
  dropout?: number;
  /** Seeds the initializer of A. */
  seed?: number | null;
}

/**
 * A Dense layer with a frozen base kernel W [in, out] (and bias b) plus a trainable low-rank update
 * (LoRA, Hu et al. 2021):
 *
 *   y = act(x·W + b + (alpha/r) · dropout(x)·A·B),  A: [in, r], B: [r, out]
 *
 * B starts at zero, so a fresh LoraDense computes exactly the wrapped Dense; A starts uniform in
 * ±1/√in (PEFT's Kaiming-uniform with a = √5). Weights are named `kernel`, `bias` (frozen) and
 * `lora_a`, `lora_b` (trainable), so a Dense's saved weights load into it by name.
 * Registered for serialisation: models containing it save and load unmerged.
 */
export class LoraDense extends FrozenDense {
  /** @nocollapse */
  static className = 'LoraDense';
  readonly rank: number;
  readonly alpha: number;
  readonly dropout: number;
  readonly seed: number | null;
  private loraA?: tfl.LayerVariable;
  private loraB?: tfl.LayerVariable;

  constructor(args: LoraDenseArgs) {
    super(args);
    registerCustomLayers();
    const { rank, alpha = rank, dropout = 0, seed = null } = args;
    checkLoraOptions(rank, alpha, dropout);
    this.rank = rank;
    this.alpha = alpha;
    this.dropout = dropout;
    this.seed = seed;
  }

  /** alpha / rank: the factor on A·B. */
  get scale(): number {
    return this.alpha / this.rank;
  }

  protected override buildUpdate(inputs: number): void {
    const bound = 1 / Math.sqrt(inputs);
    this.loraA = this.addWeight(
      'lora_a',
      [inputs, this.rank],
      'float32',
      tfl.initializers.randomUniform({ minval: -bound, maxval: bound, ...(this.seed === null ? {} : { seed: this.seed }) }),
      undefined,
      true,
    );
    this.loraB = this.addWeight('lora_b', [this.rank, this.units], 'float32', tfl.initializers.zeros(), undefined, true);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const x = this.callInput(inputs);
      if (!this.loraA || !this.loraB) throw new Error(`LoraDense "${this.name}" called before it was built`);
      const flat = this.flatten(x);
      const loraInput = kwargs.training === true && this.dropout > 0 ? tf.dropout(flat, this.dropout) : flat;
      const update = tf.matMul(tf.matMul(loraInput, this.loraA.read()), this.loraB.read());
      return this.finish(tf.add(this.frozenOutput(flat), tf.mul(update, this.scale)), x);
    });
  }

  /** The equivalent Dense kernel W + (alpha/r)·A·B, for merging. The caller disposes it. */
  mergedKernel(): tf.Tensor {
    return tf.tidy(() => {
      if (!this.kernel || !this.loraA || !this.loraB) throw new Error(`LoraDense "${this.name}" is not built`);
      return tf.add(this.kernel.read(), tf.mul(tf.matMul(this.loraA.read(), this.loraB.read()), this.scale));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rank: this.rank, alpha: this.alpha, dropout: this.dropout, seed: this.seed };
  }
}
