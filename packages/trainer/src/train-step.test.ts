import * as tf from '@tensorflow/tfjs-core';
import { createModel } from '@digitlab/models';
import { expect, it } from 'vitest';
import { describeEachBackend, tooSlowOnCpu } from './__fixtures__/backend.js';
import { batchesOf, mnistSlice } from './__fixtures__/mnist.js';
import { NonFiniteLossError } from './errors.js';
import { adam } from './optimizers/adam.js';
import { sgd } from './optimizers/sgd.js';
import { trainStep } from './train-step.js';

const slice = await mnistSlice('train', 256);

describeEachBackend('trainStep on real MNIST', () => {
  it('lowers the loss, and leaks 0 tensors per step once the optimizer slots exist', () => {
    const model = createModel('mlp', { seed: 1 });
    const optimizer = adam();
    const batches = [...batchesOf(slice, 64)];
    const losses: number[] = [];
    let afterFirst = 0;
    for (let step = 0; step < 12; step++) {
      const batch = batches[step % batches.length]!;
      losses.push(trainStep(model, batch, optimizer, { learningRate: 1e-3, step, seed: 3, labelSmoothing: 0.1, l2: 1e-4, clipNorm: 5 }).loss);
      if (step === 0) afterFirst = tf.memory().numTensors;
      else expect(tf.memory().numTensors).toBe(afterFirst);
    }
    // Slots were created once (Adam: m and v per trainable variable), nothing else stayed alive.
    expect(losses.at(-1)!).toBeLessThan(losses[0]! * 0.7);
    tf.dispose(batches.flatMap((b) => [b.xs, b.ys]));
    optimizer.dispose();
    model.dispose();
  });

  it('refuses a non-finite step before it reaches the weights, naming the step', () => {
    const model = createModel('mlp', { seed: 1 });
    const optimizer = sgd({ momentum: 0 });
    const batches = [...batchesOf(slice, 64)];
    let failure: unknown;
    let before: Float32Array[] = [];
    for (let step = 0; step < batches.length && !failure; step++) {
      before = model.getWeights().map((w) => w.dataSync() as Float32Array);
      try {
        trainStep(model, batches[step]!, optimizer, { learningRate: 1e30, step, epoch: 0 });
      } catch (error) {
        failure = error;
      }
    }
    expect(failure).toBeInstanceOf(NonFiniteLossError);
    const error = failure as NonFiniteLossError;
    expect(error.step).toBeGreaterThan(0);
    expect(error.message).toMatch(new RegExp(`training diverged at step ${error.step} \\(epoch 1\\): the (loss|gradient norm) is (NaN|-?Infinity)`));
    // The failed step left the weights as they were.
    model.getWeights().forEach((w, i) => expect(Array.from(w.dataSync())).toEqual(Array.from(before[i]!)));
    tf.dispose(batches.flatMap((b) => [b.xs, b.ys]));
    optimizer.dispose();
    model.dispose();
  });
});

describeEachBackend(
  'trainStep on a batch-norm CNN',
  () => {
    it('trains batch-norm + dropout models: moving statistics update, nothing leaks', () => {
      const model = createModel('bn-cnn', { seed: 2 });
      const optimizer = sgd();
      const all = [...batchesOf(slice, 16)];
      const batches = all.slice(0, 3);
      const movingMean = () => Array.from(model.getLayer('block1_conv1_bn').getWeights()[2]!.dataSync());
      const before = movingMean();
      trainStep(model, batches[0]!, optimizer, { learningRate: 0.01, step: 0 });
      const afterFirst = tf.memory().numTensors;
      trainStep(model, batches[1]!, optimizer, { learningRate: 0.01, step: 1 });
      trainStep(model, batches[2]!, optimizer, { learningRate: 0.01, step: 2 });
      expect(tf.memory().numTensors).toBe(afterFirst);
      expect(movingMean()).not.toEqual(before);
      tf.dispose(all.flatMap((b) => [b.xs, b.ys]));
      optimizer.dispose();
      model.dispose();
    });
  },
  { skip: tooSlowOnCpu('bn-cnn steps (minutes each)', "@digitlab/models' batchNormInTraining suite (BN gradients and moving statistics)") },
);
