import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkLoraOptions } from './lora-options.js';
import { registerCustomLayers } from './register.js';

/** Constructor arguments (and serialised config) of `LoraDense`. */
export interface LoraDenseArgs {
  /** Output width, as the wrapped Dense. */
  units: number;
  /** tfjs-layers activation name of the wrapped Dense (`linear`, `relu`, ...). Default `linear`. */
  activation?: string;
  useBias?: boolean;
  /** LoRA rank r ≥ 1. */
  rank: number;
  /** LoRA alpha; the update is scaled by alpha / rank. Default: rank. */
  alpha?: number;
  /** Dropout rate on the LoRA path's input during training. Default 0. */
  dropout?: number;
  /** Seeds the initializer of A. */
  seed?: number | null;
  name?: string;
  trainable?: boolean;
  inputShape?: tfl.Shape;
  batchInputShape?: tfl.Shape;
  dtype?: tf.DataType;
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
export class LoraDense extends tfl.layers.Layer {
  /** @nocollapse */
  static className = 'LoraDense';
  readonly units: number;
  readonly activation: string;
  readonly useBias: boolean;
  readonly rank: number;
  readonly alpha: number;
  readonly dropout: number;
  readonly seed: number | null;
  private readonly activationLayer: tfl.layers.Layer;
  private kernel?: tfl.LayerVariable;
  private bias?: tfl.LayerVariable;
  private loraA?: tfl.LayerVariable;
  private loraB?: tfl.LayerVariable;

  constructor(args: LoraDenseArgs) {
    super(args);
    registerCustomLayers();
    const { units, activation = 'linear', useBias = true, rank, alpha = rank, dropout = 0, seed = null } = args;
    checkLoraOptions(rank, alpha, dropout);
    this.units = units;
    this.activation = activation;
    this.useBias = useBias;
    this.rank = rank;
    this.alpha = alpha;
    this.dropout = dropout;
    this.seed = seed;
    this.activationLayer = tfl.layers.activation({ activation: activation as Parameters<typeof tfl.layers.activation>[0]['activation'] });
  }

  /** alpha / rank: the factor on A·B. */
  get scale(): number {
    return this.alpha / this.rank;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const inputs = shape[shape.length - 1];
    if (typeof inputs !== 'number') throw new RangeError(`LoraDense "${this.name}" needs a known last input dimension, got ${JSON.stringify(shape)}`);
    const bound = 1 / Math.sqrt(inputs);
    this.kernel = this.addWeight('kernel', [inputs, this.units], 'float32', tfl.initializers.zeros(), undefined, false);
    if (this.useBias) this.bias = this.addWeight('bias', [this.units], 'float32', tfl.initializers.zeros(), undefined, false);
    this.loraA = this.addWeight(
      'lora_a',
      [inputs, this.rank],
      'float32',
      tfl.initializers.randomUniform({ minval: -bound, maxval: bound, ...(this.seed === null ? {} : { seed: this.seed }) }),
      undefined,
      true,
    );
    this.loraB = this.addWeight('lora_b', [this.rank, this.units], 'float32', tfl.initializers.zeros(), undefined, true);
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    return [...shape.slice(0, -1), this.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      if (!x || !this.kernel || !this.loraA || !this.loraB) throw new Error(`LoraDense "${this.name}" called before it was built`);
      // Flatten leading axes so one matMul covers rank-2 and higher inputs alike.
      const flat = tf.reshape(x, [-1, x.shape[x.shape.length - 1] ?? 0]);
      // The same fused op a stock Dense uses, so with B = 0 the output matches it bit for bit.
      let y = tf.fused.matMul({ a: flat, b: this.kernel.read(), ...(this.bias ? { bias: this.bias.read() } : {}) });
      const loraInput = kwargs.training === true && this.dropout > 0 ? tf.dropout(flat, this.dropout) : flat;
      const update = tf.matMul(tf.matMul(loraInput, this.loraA.read()), this.loraB.read());
      y = tf.add(y, tf.mul(update, this.scale));
      y = tf.reshape(y, [...x.shape.slice(0, -1), this.units]);
      return this.activationLayer.apply(y) as tf.Tensor;
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
    return {
      ...super.getConfig(),
      units: this.units,
      activation: this.activation,
      useBias: this.useBias,
      rank: this.rank,
      alpha: this.alpha,
      dropout: this.dropout,
      seed: this.seed,
    };
  }
}
