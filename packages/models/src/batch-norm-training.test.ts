import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expect, it } from 'vitest';
import { describeEachBackend } from '../../../test-support/each-backend.js';
import { mnistSlice } from './__fixtures__/mnist-slice.js';
import { BATCH_NORM_GRADIENT_KERNEL, BATCH_NORM_MOMENTS_KERNEL } from './batch-norm-training.js';
import { keepFrozenBatchNormInInference } from './frozen-batch-norm.js';

/** Largest |ours − stock| over the largest |stock|, per compared tensor: float32 sums in another order. */
const RELATIVE_TOLERANCE = 1e-4;

function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let scale = 0;
  let error = 0;
  for (let index = 0; index < expected.length; index++) {
    scale = Math.max(scale, Math.abs(expected[index]!));
    error = Math.max(error, Math.abs(actual[index]! - expected[index]!));
  }
  return error / scale;
}

/** A one-layer BN model with seeded, nontrivial weights: γ has a zero channel, moving statistics not 0/1. */
function bnModel(inputShape: number[], fused: boolean): tfl.LayersModel {
  const channels = inputShape[inputShape.length - 1]!;
  const model = tfl.sequential({ layers: [tfl.layers.batchNormalization({ inputShape, momentum: 0.9, epsilon: 1e-5 })] });
  tf.tidy(() => {
    const gamma = tf.mul(tf.randomUniform([channels], 0.5, 2, 'float32', 1), tf.sub(1, tf.reshape(tf.oneHot(tf.tensor1d([0], 'int32'), channels), [channels])));
    model.setWeights([gamma, tf.randomNormal([channels], 0, 1, 'float32', 2), tf.randomNormal([channels], 0, 1, 'float32', 3), tf.randomUniform([channels], 0.5, 2, 'float32', 4)]);
  });
  return fused ? keepFrozenBatchNormInInference(model) : model;
}

/** Output, d(Σ y·r)/d(x, γ, β) and the moving statistics after one training call. */
function trainingCall(model: tfl.LayersModel, x: tf.Tensor, r: tf.Tensor): Float32Array[] {
  const input = tf.variable(x);
  const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(model.apply(input, { training: true }) as tf.Tensor, r)), [input, ...model.trainableWeights.map((weight) => (weight as unknown as { val: tf.Variable }).val)]);
  const output = tf.tidy(() => model.apply(x, { training: false }) as tf.Tensor); // inference: reads the updated moving statistics
  const results = [value, ...Object.values(grads), output, ...model.getWeights().slice(2)].map((tensor) => tensor.dataSync() as Float32Array);
  tf.dispose([input, value, output, ...Object.values(grads)]);
  return results;
}

describeEachBackend('batchNormInTraining (trainable BN layers)', (backend) => {
  const cases: Array<[string, () => tf.Tensor]> = [
    // Real MNIST digits through a fixed 3x3 convolution: a conv activation of 8 channels.
    ['rank 4, channels last (after a conv)', () => tf.tidy(() => tf.conv2d(mnistSlice(6).images, tf.randomNormal([3, 3, 1, 8], 0, 1, 'float32', 5), 1, 'valid'))],
    // A dense activation whose mean is large against its spread: where x·dy − μ·Σdy would cancel.
    ['rank 2 (after a dense layer), mean ≫ std', () => tf.randomNormal([32, 12], 40, 0.5, 'float32', 6)],
    // 7 channels: fused kernels' 4-wide loops end in a scalar tail.
    ['rank 3, 7 channels', () => tf.randomNormal([5, 9, 7], 1, 2, 'float32', 7)],
  ];

  it('runs the backend\'s fused batch-norm kernels where it registers them (wasm), tfjs-core ops elsewhere', async () => {
    const model = bnModel([6, 6, 8], true);
    const x = tf.randomNormal([4, 6, 6, 8], 0, 1, 'float32', 11);
    const r = tf.randomNormal([4, 6, 6, 8], 0, 1, 'float32', 12);
    const profile = await tf.profile(() => {
      const { grads, value } = tf.variableGrads(() => tf.sum(tf.mul(model.apply(x, { training: true }) as tf.Tensor, r)));
      tf.dispose([value, ...Object.values(grads)]);
    });
    const names = profile.kernels.map((kernel) => kernel.name);
    const fused = [BATCH_NORM_MOMENTS_KERNEL, BATCH_NORM_GRADIENT_KERNEL];
    if (backend.name === 'wasm') {
      expect(names).toEqual(expect.arrayContaining(fused));
      expect(names).not.toContain('Square'); // tfjs-core's moments did not run
    } else {
      expect(names.filter((name) => fused.includes(name))).toEqual([]);
      expect(names).toContain('Square');
      expect(tf.getKernel(BATCH_NORM_GRADIENT_KERNEL, tf.getBackend())).toBeUndefined();
    }
    tf.dispose([x, r]);
    model.dispose();
  });

  it.each(cases)('%s: output, gradients of x, γ, β and the moving averages equal stock tfjs-layers', (_, makeInput) => {
    const x = makeInput();
    const r = tf.randomNormal(x.shape, 0, 1, 'float32', 8);
    const stock = bnModel(x.shape.slice(1), false);
    const fused = bnModel(x.shape.slice(1), true);
    const expected = trainingCall(stock, x, r);
    const actual = trainingCall(fused, x, r);
    const names = ['Σ y·r', 'dx', 'dγ', 'dβ', 'inference output', 'moving mean', 'moving variance'];
    expected.forEach((values, index) => {
      expect(relativeError(actual[index]!, values), names[index]).toBeLessThan(RELATIVE_TOLERANCE);
    });
    // γ's zero channel passes no gradient to x.
    const channels = x.shape[x.rank - 1]!;
    const dx = actual[1]!;
    for (let index = 0; index < dx.length; index += channels) expect(Math.abs(dx[index]!)).toBe(0);
    tf.dispose([x, r]);
    stock.dispose();
    fused.dispose();
  });

  it('trains a BN CNN to the same weights as stock tfjs-layers over three Adam steps on real digits', () => {
    const { images, labels } = mnistSlice(16, 300);
    const targets = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), 10));
    const build = (fused: boolean) => {
      const model = tfl.sequential({
        layers: [
          tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 6, kernelSize: 5, strides: 2, useBias: false, kernelInitializer: tfl.initializers.heNormal({ seed: 9 }) }),
          tfl.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 }),
          tfl.layers.reLU(),
          tfl.layers.flatten(),
          tfl.layers.dense({ units: 10, kernelInitializer: tfl.initializers.glorotUniform({ seed: 10 }) }),
        ],
      });
      return fused ? keepFrozenBatchNormInInference(model) : model;
    };
    const weights = [false, true].map((fused) => {
      const model = build(fused);
      const optimizer = tf.train.adam(0.01);
      for (let step = 0; step < 3; step++) {
        tf.tidy(() => {
          optimizer.minimize(() => tf.losses.softmaxCrossEntropy(targets, model.apply(images, { training: true }) as tf.Tensor) as tf.Scalar);
        });
      }
      const values = model.getWeights().map((weight) => weight.dataSync() as Float32Array);
      optimizer.dispose();
      model.dispose();
      return values;
    });
    weights[0]!.forEach((values, index) => expect(relativeError(weights[1]![index]!, values)).toBeLessThan(RELATIVE_TOLERANCE));
    tf.dispose([images, targets]);
  });
});
