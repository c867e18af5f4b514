import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachBackend } from '../../../../test-support/each-backend.js';
import { expectNoLeaks } from '../__fixtures__/backend.js';
import { mnistSlice } from '../__fixtures__/mnist-slice.js';
import { createModel } from '../zoo.js';
import { foldBatchNorm } from './fold-batch-norm.js';

let images: tf.Tensor4D;

/**
 * Gives every batch normalisation of `model` statistics and affine parameters far from their
 * initial 0 / 1 (what training leaves), seeded: folding the initial values would hide a wrong formula.
 */
function randomizeBatchNorms(model: tfl.LayersModel, seed: number): void {
  for (const weight of model.weights) {
    const name = weight.originalName;
    tf.tidy(() => {
      const shape = weight.shape as number[];
      if (name.endsWith('/moving_mean') || name.endsWith('/beta')) weight.write(tf.randomNormal(shape, 0, 0.5, 'float32', seed++));
      if (name.endsWith('/moving_variance') || name.endsWith('/gamma')) weight.write(tf.randomUniform(shape, 0.5, 2, 'float32', seed++));
    });
  }
}

function logits(model: tfl.LayersModel): Float32Array {
  return tf.tidy(() => (model.predict(images) as tf.Tensor).dataSync() as Float32Array);
}

describeEachBackend('foldBatchNorm', () => {
  beforeAll(() => {
    ({ images } = mnistSlice(16, 200));
  });
  afterAll(() => images.dispose());

  it.each([
    // [model, layers removed: every BN, and each ReLU that directly follows a conv-BN pair]
    ['resnet-mini', 20 + 9],
    ['bn-cnn', 7 + 7],
  ] as const)('%s: predicts what the original predicts on real MNIST, with %i layers fewer', async (name, removed) => {
    const model = createModel(name, { seed: 3 });
    randomizeBatchNorms(model, 10);
    const expected = logits(model);
    await expectNoLeaks(() => foldBatchNorm(model).dispose());
    const folded = foldBatchNorm(model);
    expect(model.layers.length - folded.layers.length).toBe(removed);
    expect(folded.layers.map((layer) => layer.getClassName())).not.toContain('BatchNormalization');
    const actual = logits(folded);
    const scale = expected.reduce((max, value) => Math.max(max, Math.abs(value)), 0);
    const worst = actual.reduce((max, value, index) => Math.max(max, Math.abs(value - expected[index]!)), 0);
    expect(scale).toBeGreaterThan(1); // the randomized statistics do move the logits
    expect(worst / scale).toBeLessThan(1e-4);
    // The original is untouched and independent of the copy.
    folded.dispose();
    expect(logits(model)).toEqual(expected);
    model.dispose();
  });

  it('leaves models without batch normalisation as they are', () => {
    const model = createModel('seed-cnn', { seed: 1 });
    const folded = foldBatchNorm(model);
    expect(folded.layers.map((layer) => layer.name)).toEqual(model.layers.map((layer) => layer.name));
    expect(logits(folded)).toEqual(logits(model));
    model.dispose();
    folded.dispose();
  });
});
