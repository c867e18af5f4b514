import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { FrozenDense, type FrozenDenseArgs } from './frozen-dense.js';
import { checkLoraOptions } from './lora-options.js';
import { registerCustomLayers } from './register.js';

/** Constructor arguments (and serialised config) of `AdaLoraDense`. */
export interface AdaLoraDenseArgs extends FrozenDenseArgs {
  /** Initial rank r ≥ 1: the number of singular triplets the budget allocator may keep or prune. */
  rank: number;
  /** The update is scaled by alpha / rank. Default: rank. */
  alpha?: number;
  /** Seeds the initializers of P and Q. */
  seed?: number | null;
}

/**
 * A Dense layer with a frozen kernel W [in, out] and bias b plus an AdaLoRA update (Zhang et al.
 * 2023, "Adaptive Budget Allocation for Parameter-Efficient Fine-Tuning") in SVD form:
 *
 *   y = act(x·W + b + (alpha/r) · x·P·diag(λ ⊙ m)·Q),  P: [in, r], λ: [r], Q: [r, out], m ∈ {0,1}^r
 *
 * P and Q are trained towards orthogonality by the penalty ‖PᵀP − I‖²_F + ‖QQᵀ − I‖²_F
 * (`orthogonalityPenalty`), so λ act as singular values; triplet i is (P[:, i], λ[i], Q[i, :]).
 * The mask m (non-trainable `ada_mask`, all ones at first) is where the budget allocator prunes
 * triplets; a pruned triplet contributes nothing and gets no gradient. λ starts at zero, so a fresh
 * layer computes exactly the wrapped Dense; P and Q start N(0, 0.02) as in the paper's code.
 * Weights: `kernel`, `bias` (frozen), `ada_p`, `ada_lambda`, `ada_q` (trainable), `ada_mask`.
 */
export class AdaLoraDense extends FrozenDense {
  /** @nocollapse */
  static className = 'AdaLoraDense';
  readonly rank: number;
  readonly alpha: number;
  readonly seed: number | null;
  /** P [in, r], λ [r], Q [r, out] and the mask m [r]; public to the budget allocator. */
  p?: tfl.LayerVariable;
  lambda?: tfl.LayerVariable;
  q?: tfl.LayerVariable;
  mask?: tfl.LayerVariable;

  constructor(args: AdaLoraDenseArgs) {
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

  protected override buildUpdate(inputs: number): void {
    const normal = (offset: number) => tfl.initializers.randomNormal({ mean: 0, stddev: 0.02, ...(this.seed === null ? {} : { seed: this.seed + offset }) });
    this.p = this.addWeight('ada_p', [inputs, this.rank], 'float32', normal(0), undefined, true);
    this.lambda = this.addWeight('ada_lambda', [this.rank], 'float32', tfl.initializers.zeros(), undefined, true);
    this.q = this.addWeight('ada_q', [this.rank, this.units], 'float32', normal(1), undefined, true);
    this.mask = this.addWeight('ada_mask', [this.rank], 'float32', tfl.initializers.ones(), undefined, false);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = this.callInput(inputs);
      if (!this.p || !this.lambda || !this.q || !this.mask) throw new Error(`AdaLoraDense "${this.name}" called before it was built`);
      const flat = this.flatten(x);
      const singular = tf.mul(tf.mul(this.lambda.read(), this.mask.read()), this.scale);
      return this.finish(tf.add(this.frozenOutput(flat), tf.matMul(tf.mul(tf.matMul(flat, this.p.read()), singular), this.q.read())), x);
    });
  }

  /** ‖PᵀP − I‖²_F + ‖QQᵀ − I‖²_F, the regulariser that keeps P and Q near-orthogonal. */
  orthogonalityPenalty(): tf.Scalar {
    return tf.tidy(() => {
      if (!this.p || !this.q) throw new Error(`AdaLoraDense "${this.name}" is not built`);
      const identity = tf.eye(this.rank);
      const p = this.p.read();
      const q = this.q.read();
      return tf.add(tf.sum(tf.square(tf.sub(tf.matMul(p, p, true, false), identity))), tf.sum(tf.square(tf.sub(tf.matMul(q, q, false, true), identity)))) as tf.Scalar;
    });
  }

  /** Triplets the mask keeps. */
  keptRank(): number {
    if (!this.mask) return this.rank;
    return (this.mask.read().dataSync() as Float32Array).reduce((sum, value) => sum + value, 0);
  }

  /** The equivalent Dense kernel W + (alpha/r)·P·diag(λ ⊙ m)·Q, for merging. The caller disposes it. */
  mergedKernel(): tf.Tensor {
    return tf.tidy(() => {
      if (!this.kernel || !this.p || !this.lambda || !this.q || !this.mask) throw new Error(`AdaLoraDense "${this.name}" is not built`);
      const singular = tf.mul(tf.mul(this.lambda.read(), this.mask.read()), this.scale);
      return tf.add(this.kernel.read(), tf.matMul(tf.mul(this.p.read(), singular), this.q.read()));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rank: this.rank, alpha: this.alpha, seed: this.seed };
  }
}
