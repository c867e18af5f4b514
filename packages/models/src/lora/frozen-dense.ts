import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** The wrapped Dense's arguments, shared by every frozen-base dense layer. */
export interface FrozenDenseArgs {
  /** Output width, as the wrapped Dense. */
  units: number;
  /** tfjs-layers activation name of the wrapped Dense (`linear`, `relu`, ...). Default `linear`. */
  activation?: string;
  useBias?: boolean;
  name?: string;
  trainable?: boolean;
  inputShape?: tfl.Shape;
  batchInputShape?: tfl.Shape;
  dtype?: tf.DataType;
}

/**
 * A Dense layer whose kernel W [in, out] and bias b are frozen, for the fine-tuning layers that add
 * a trainable update to it (LoRA, AdaLoRA, IA3). It owns the two frozen weights (named `kernel` and
 * `bias`, so a Dense's saved weights load into it by name), the output shape and the config; a
 * subclass adds its own weights in `buildUpdate` (after kernel and bias, which fixes the saved weight
 * order) and its `call`. Inputs of rank > 2 are flattened to [rows, in] and reshaped back.
 * Subclasses, not this file, call `registerCustomLayers`: the registry imports every subclass, and a
 * base class inside that import cycle would be used before it is defined.
 */
export abstract class FrozenDense extends tfl.layers.Layer {
  readonly units: number;
  readonly activation: string;
  readonly useBias: boolean;
  protected readonly activationLayer: tfl.layers.Layer;
  protected kernel?: tfl.LayerVariable;
  protected bias?: tfl.LayerVariable;

  constructor(args: FrozenDenseArgs) {
    super(args);
    this.units = args.units;
    this.activation = args.activation ?? 'linear';
    this.useBias = args.useBias ?? true;
    this.activationLayer = tfl.layers.activation({ activation: this.activation as Parameters<typeof tfl.layers.activation>[0]['activation'] });
  }

  /** Adds the subclass's weights for `inputs` input units. */
  protected abstract buildUpdate(inputs: number): void;

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const inputs = shape[shape.length - 1];
    if (typeof inputs !== 'number') throw new RangeError(`${this.getClassName()} "${this.name}" needs a known last input dimension, got ${JSON.stringify(shape)}`);
    this.kernel = this.addWeight('kernel', [inputs, this.units], 'float32', tfl.initializers.zeros(), undefined, false);
    if (this.useBias) this.bias = this.addWeight('bias', [this.units], 'float32', tfl.initializers.zeros(), undefined, false);
    this.buildUpdate(inputs);
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    return [...shape.slice(0, -1), this.units];
  }

  /** The input of `call`; throws when the layer is not built. */
  protected callInput(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!x || !this.kernel) throw new Error(`${this.getClassName()} "${this.name}" called before it was built`);
    return x;
  }

  /** x with its leading axes flattened, so one matMul covers rank-2 and higher inputs alike. */
  protected flatten(x: tf.Tensor): tf.Tensor {
    return tf.reshape(x, [-1, x.shape[x.shape.length - 1] ?? 0]);
  }

  /** x·W + b by the same fused op a stock Dense uses, so a no-op update matches it bit for bit. */
  protected frozenOutput(flat: tf.Tensor): tf.Tensor {
    if (!this.kernel) throw new Error(`${this.getClassName()} "${this.name}" is not built`);
    return tf.fused.matMul({ a: flat, b: this.kernel.read(), ...(this.bias ? { bias: this.bias.read() } : {}) });
  }

  /** `y` [rows, out] back to x's leading axes, through the activation. */
  protected finish(y: tf.Tensor, x: tf.Tensor): tf.Tensor {
    return this.activationLayer.apply(tf.reshape(y, [...x.shape.slice(0, -1), this.units])) as tf.Tensor;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), units: this.units, activation: this.activation, useBias: this.useBias };
  }
}
