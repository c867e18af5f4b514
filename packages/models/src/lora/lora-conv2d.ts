import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkLoraOptions } from './lora-options.js';
import { registerCustomLayers } from './register.js';
import { pair } from './pair.js';

/** Constructor arguments (and serialised config) of `LoraConv2D`. Layout is NHWC only. */
export interface LoraConv2DArgs {
  filters: number;
  kernelSize: number | [number, number];
  strides?: number | [number, number];
  padding?: 'valid' | 'same';
  dilationRate?: number | [number, number];
  /** tfjs-layers activation name of the wrapped Conv2D. Default `linear`. */
  activation?: string;
  useBias?: boolean;
  /** LoRA rank r ≥ 1. */
  rank: number;
  /** Default: rank (scale 1). */
  alpha?: number;
  /** Dropout rate on the LoRA path's input during training. Default 0. */
  dropout?: number;
  seed?: number | null;
  name?: string;
  trainable?: boolean;
  inputShape?: tfl.Shape;
  batchInputShape?: tfl.Shape;
  dtype?: tf.DataType;
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
export class LoraConv2D extends tfl.layers.Layer {
  /** @nocollapse */
  static className = 'LoraConv2D';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: 'valid' | 'same';
  readonly dilationRate: [number, number];
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

  constructor(args: LoraConv2DArgs) {
    super(args);
    registerCustomLayers();
    const { rank, alpha = rank, dropout = 0 } = args;
    checkLoraOptions(rank, alpha, dropout);
    this.filters = args.filters;
    this.kernelSize = pair(args.kernelSize);
    this.strides = pair(args.strides ?? 1);
    this.padding = args.padding ?? 'valid';
    this.dilationRate = pair(args.dilationRate ?? 1);
    this.activation = args.activation ?? 'linear';
    this.useBias = args.useBias ?? true;
    this.rank = rank;
    this.alpha = alpha;
    this.dropout = dropout;
    this.seed = args.seed ?? null;
    this.activationLayer = tfl.layers.activation({ activation: this.activation as Parameters<typeof tfl.layers.activation>[0]['activation'] });
  }

  /** alpha / rank: the factor on the LoRA path. */
  get scale(): number {
    return this.alpha / this.rank;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const channels = shape[3];
    if (shape.length !== 4 || typeof channels !== 'number') {
      throw new RangeError(`LoraConv2D "${this.name}" needs NHWC input with known channels, got ${JSON.stringify(shape)}`);
    }
    const [height, width] = this.kernelSize;
    const bound = 1 / Math.sqrt(height * width * channels);
    this.kernel = this.addWeight('kernel', [height, width, channels, this.filters], 'float32', tfl.initializers.zeros(), undefined, false);
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], 'float32', tfl.initializers.zeros(), undefined, false);
    this.loraA = this.addWeight(
      'lora_a',
      [height, width, channels, this.rank],
      'float32',
      tfl.initializers.randomUniform({ minval: -bound, maxval: bound, ...(this.seed === null ? {} : { seed: this.seed }) }),
      undefined,
      true,
    );
    this.loraB = this.addWeight('lora_b', [1, 1, this.rank, this.filters], 'float32', tfl.initializers.zeros(), undefined, true);
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const size = (length: number | null | undefined, axis: 0 | 1): number | null => {
      if (length === null || length === undefined) return null;
      if (this.padding === 'same') return Math.ceil(length / this.strides[axis]);
      const extent = (this.kernelSize[axis] - 1) * this.dilationRate[axis] + 1;
      return Math.floor((length - extent) / this.strides[axis]) + 1;
    };
    return [shape[0] ?? null, size(shape[1], 0), size(shape[2], 1), this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D | undefined;
      if (!x || !this.kernel || !this.loraA || !this.loraB) throw new Error(`LoraConv2D "${this.name}" called before it was built`);
      const conv = (input: tf.Tensor4D, kernel: tf.Tensor) =>
        tf.conv2d(input, kernel as tf.Tensor4D, this.strides, this.padding, 'NHWC', this.dilationRate);
      // The same fused op a stock Conv2D uses, so with B = 0 the output matches it bit for bit.
      let y: tf.Tensor = tf.fused.conv2d({
        x,
        filter: this.kernel.read() as tf.Tensor4D,
        strides: this.strides,
        pad: this.padding,
        dataFormat: 'NHWC',
        dilations: this.dilationRate,
        ...(this.bias ? { bias: this.bias.read() } : {}),
      });
      const loraInput = kwargs.training === true && this.dropout > 0 ? (tf.dropout(x, this.dropout) as tf.Tensor4D) : x;
      const low = conv(loraInput, this.loraA.read());
      const update = tf.conv2d(low, this.loraB.read() as tf.Tensor4D, 1, 'valid');
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
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      dilationRate: this.dilationRate,
      activation: this.activation,
      useBias: this.useBias,
      rank: this.rank,
      alpha: this.alpha,
      dropout: this.dropout,
      seed: this.seed,
    };
  }
}
