import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachBackend } from '../../../test-support/each-backend.js';
import { expectNoLeaks } from './__fixtures__/backend.js';
import { mnistSlice } from './__fixtures__/mnist-slice.js';
import { ModelOptionError } from './errors.js';
import { CONV2D_RESIDUAL_KERNEL, inferenceFunction } from './inference-function.js';
import { foldBatchNorm } from './surgery/fold-batch-norm.js';
import { createModel, listModels } from './zoo.js';

let images: tf.Tensor4D;

describeEachBackend('inferenceFunction', () => {
  beforeAll(() => {
    ({ images } = mnistSlice(8, 300));
  });
  afterAll(() => images.dispose());

  // resnet18 is resnet-mini's blocks, wider: too slow for the cpu backend here, and nothing new to the plan.
  it.each(listModels().map(({ name }) => name).filter((name) => name !== 'resnet18'))('%s: the logits of model.predict on real MNIST digits, plain and folded, one digit or a batch, leaking nothing', async (name) => {
    const model = createModel(name, { seed: 5 });
    const folded = foldBatchNorm(model);
    const one = tf.slice(images, 0, 1);
    for (const served of [model, folded]) {
      const run = inferenceFunction(served);
      for (const x of [images, one]) {
        const expected = tf.tidy(() => (served.predict(x) as tf.Tensor).dataSync());
        const actual = await expectNoLeaks(() => tf.tidy(() => run(x).dataSync()));
        // The same kernels in the same order: the same floats.
        expect(Array.from(actual)).toEqual(Array.from(expected));
        expect(x.isDisposed).toBe(false);
      }
    }
    one.dispose();
    folded.dispose();
    model.dispose();
  });

  it('skips predict\'s bookkeeping kernels (the batch slice) on a folded ResNet at batch 1', async () => {
    const model = createModel('resnet-mini', { seed: 2 });
    const folded = foldBatchNorm(model);
    model.dispose();
    const one = tf.slice(images, 0, 1);
    const run = inferenceFunction(folded);
    const kernels = async (body: () => tf.Tensor) => (await tf.profile(() => tf.tidy(() => void body().dataSync()))).kernels.map((kernel) => kernel.name);
    const viaPredict = await kernels(() => folded.predict(one) as tf.Tensor);
    const direct = await kernels(() => run(one));
    expect(viaPredict).toContain('Slice');
    expect(direct).not.toContain('Slice');
    expect(direct.length).toBeLessThan(viaPredict.length);
    one.dispose();
    folded.dispose();
  });

  it('runs each residual block\'s convolution, shortcut add and ReLU as one kernel where the backend has it, the same floats', async () => {
    const model = createModel('resnet-mini', { seed: 3 });
    const folded = foldBatchNorm(model);
    model.dispose();
    const run = inferenceFunction(folded);
    const profiled = await tf.profile(() => tf.tidy(() => void run(images).dataSync()));
    const count = (name: string) => profiled.kernels.filter((kernel) => kernel.name === name).length;
    const expected = tf.tidy(() => (folded.predict(images) as tf.Tensor).dataSync());
    const actual = tf.tidy(() => run(images).dataSync());
    expect(Array.from(actual)).toEqual(Array.from(expected));
    // resnet-mini: 8 blocks, each conv2 → Add(conv2, shortcut) → ReLU.
    if (tf.getKernel(CONV2D_RESIDUAL_KERNEL, tf.getBackend()) !== undefined) {
      expect([count(CONV2D_RESIDUAL_KERNEL), count('Add'), count('Relu')]).toEqual([8, 0, 0]);
      expect(count('FusedConv2D'), 'the stem, the blocks\' first convolutions and the 3 projections').toBe(1 + 8 + 3);
    } else {
      expect([count(CONV2D_RESIDUAL_KERNEL), count('Add'), count('Relu')]).toEqual([0, 8, 8]);
    }
    folded.dispose();
  });

  it('names the input shape it takes when given another', () => {
    const model = createModel('seed-cnn', { seed: 1 });
    const run = inferenceFunction(model);
    const flat = tf.zeros([1, 784]);
    expect(() => run(flat)).toThrow(ModelOptionError);
    expect(() => run(flat)).toThrow('seed-cnn takes input [batch, 28, 28, 1], got a tensor of shape [1, 784]');
    flat.dispose();
    model.dispose();
  });
});
