import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkLoraOptions } from './lora-options.js';
import { registerCustomLayers } from './register.js';
import { pair } from './pair.js';

/** Constructor arguments (and serialised config) of `AdaLoraConv2D`. Layout is NHWC only. */
export interface AdaLoraConv2DArgs {
  filters: number;
  kernelSize: number | [number, number];
  strides?: number | [number, number];
  padding?: 'valid' | 'same';
  dilationRate?: number | [number, number];
  /** tfjs-layers activation name of the wrapped Conv2D. Default `linear`. */
  activation?: string;
  useBias?: boolean;
  /** Initial rank r ≥ 1. */
  rank: number;
  /** Default: rank (scale 1). */
  alpha?: number;
  seed?: number | null;
  name?: string;
  trainable?: boolean;
  inputShape?: tfl.Shape;
  batchInputShape?: tfl.Shape;
  dtype?: tf.DataType;
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
export class AdaLoraConv2D extends tfl.layers.Layer {
  /** @nocollapse */
  static className = 'AdaLoraConv2D';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: 'valid' | 'same';
  readonly dilationRate: [number, number];
  readonly activation: string;
  readonly useBias: boolean;
  readonly rank: number;
  readonly alpha: number;
  readonly seed: number | null;
  private readonly activationLayer: tfl.layers.Layer;
  private kernel?: tfl.LayerVariable;
  private bias?: tfl.LayerVariable;
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
    this.filters = args.filters;
    this.kernelSize = pair(args.kernelSize);
    this.strides = pair(args.strides ?? 1);
    this.padding = args.padding ?? 'valid';
    this.dilationRate = pair(args.dilationRate ?? 1);
    this.activation = args.activation ?? 'linear';
    this.useBias = args.useBias ?? true;
    this.rank = rank;
    this.alpha = alpha;
    this.seed = args.seed ?? null;
    this.activationLayer = tfl.layers.activation({ activation: this.activation as Parameters<typeof tfl.layers.activation>[0]['activation'] });
  }

  /** alpha / rank: the factor on the update. */
  get scale(): number {
    return this.alpha / this.rank;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const channels = shape[3];
    if (shape.length !== 4 || typeof channels !== 'number') {
      throw new RangeError(`AdaLoraConv2D "${this.name}" needs NHWC input with known channels, got ${JSON.stringify(shape)}`);
    }
    const [height, width] = this.kernelSize;
    const normal = (offset: number) => tfl.initializers.randomNormal({ mean: 0, stddev: 0.02, ...(this.seed === null ? {} : { seed: this.seed + offset }) });
    this.kernel = this.addWeight('kernel', [height, width, channels, this.filters], 'float32', tfl.initializers.zeros(), undefined, false);
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], 'float32', tfl.initializers.zeros(), undefined, false);
    this.p = this.addWeight('ada_p', [height, width, channels, this.rank], 'float32', normal(0), undefined, true);
    this.lambda = this.addWeight('ada_lambda', [this.rank], 'float32', tfl.initializers.zeros(), undefined, true);
    this.q = this.addWeight('ada_q', [1, 1, this.rank, this.filters], 'float32', normal(1), undefined, true);
    this.mask = this.addWeight('ada_mask', [this.rank], 'float32', tfl.initializers.ones(), undefined, false);
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

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D | undefined;
      if (!x || !this.kernel || !this.p || !this.lambda || !this.q || !this.mask) throw new Error(`AdaLoraConv2D "${this.name}" called before it was built`);
      let y: tf.Tensor = tf.fused.conv2d({
        x,
        filter: this.kernel.read() as tf.Tensor4D,
        strides: this.strides,
        pad: this.padding,
        dataFormat: 'NHWC',
        dilations: this.dilationRate,
        ...(this.bias ? { bias: this.bias.read() } : {}),
      });
      const low = tf.conv2d(x, this.p.read() as tf.Tensor4D, this.strides, this.padding, 'NHWC', this.dilationRate);
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
      seed: this.seed,
    };
  }
}
