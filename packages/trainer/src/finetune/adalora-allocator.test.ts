import * as tf from '@tensorflow/tfjs-core';
import type { DigitDataset } from '@digitlab/datasets/node';
import { AdaLoraDense, createModel } from '@digitlab/models/node';
import { beforeAll, expect, it } from 'vitest';
import { mnistSlice } from '../__fixtures__/mnist.js';
import { describeEachBackend, expectNoLeaks, tooSlowOnCpu } from '../__fixtures__/backend.js';
import { datasetBatches } from '../dataset-source.js';
import { adaLoraLayers } from './adalora-allocator.js';
import { finetune } from './finetune.js';
import { prepareFinetune } from './prepare-finetune.js';

let train: DigitDataset;

beforeAll(async () => {
  train = await mnistSlice('train', 256);
});

describeEachBackend(
  'AdaLoRA on the seed CNN',
  () => {
    it('adalora: starts as the base model, then prunes to the target total rank by importance while it trains', async () => {
      const base = createModel('seed-cnn', { seed: 3 });
      const plan = prepareFinetune(base, { kind: 'adalora', rank: 6, targetRank: 2 }, { seed: 1 });
      const layers = adaLoraLayers(plan.model);
      expect(layers.map((layer) => layer.name)).toEqual(['conv1', 'conv2', 'fc1']);
      const probe = tf.randomNormal([4, 28, 28, 1], 0, 1, 'float32', 9);
      expect(tf.tidy(() => (plan.model.predict(probe) as tf.Tensor).dataSync())).toEqual(tf.tidy(() => (base.predict(probe) as tf.Tensor).dataSync()));
      probe.dispose();

      // 256 images, batches of 32: 8 steps per epoch, 3 epochs = 24 steps; pruning ends at step 24 − ⌊0.2·24⌋ = 20.
      const result = await expectNoLeaks(() => finetune(plan, datasetBatches(train, { batchSize: 32, seed: 1, normalization: 'mnist' }), { epochs: 3, learningRate: 0.01 }));
      expect(result.history).toHaveLength(3);
      const kept = layers.map((layer) => layer.keptRank());
      expect(kept.reduce((sum, rank) => sum + rank, 0)).toBe(2 * 3);
      // Pruned triplets are switched off: their singular values no longer reach the output.
      for (const layer of layers) {
        const mask = Array.from(layer.mask!.read().dataSync());
        expect(mask.every((value) => value === 0 || value === 1)).toBe(true);
      }
      expect(layers.map((layer) => layer instanceof AdaLoraDense)).toEqual([false, false, true]);
      plan.model.dispose();
      base.dispose();
    });
  },
  { skip: tooSlowOnCpu('24 seed-cnn steps', '"AdaLoRA" (the MLP, 6 steps)') },
);

describeEachBackend('AdaLoRA', () => {
  it('on the MLP, 6 steps: prunes to the target total rank while it trains, nothing leaked', async () => {
    const base = createModel('mlp', { seed: 3 });
    const plan = prepareFinetune(base, { kind: 'adalora', rank: 4, targetRank: 2, targets: ['dense'] }, { seed: 1 });
    const layers = adaLoraLayers(plan.model);
    expect(layers.length).toBeGreaterThan(0);
    expect(layers.every((layer) => layer instanceof AdaLoraDense)).toBe(true);
    // 64 images, batches of 32: 2 steps per epoch, 3 epochs = 6 steps; the budget reaches the target at step 6 − ⌊0.2·6⌋ = 5.
    const small = await mnistSlice('train', 64);
    await expectNoLeaks(() => finetune(plan, datasetBatches(small, { batchSize: 32, seed: 1, normalization: 'mnist' }), { epochs: 3, learningRate: 0.01 }));
    expect(layers.reduce((sum, layer) => sum + layer.keptRank(), 0)).toBe(2 * layers.length);
    for (const layer of layers) expect(Array.from(layer.mask!.read().dataSync()).every((value) => value === 0 || value === 1)).toBe(true);
    plan.model.dispose();
    base.dispose();
  });

  it('adalora rejects a target rank above the initial rank', () => {
    const base = createModel('mlp', { seed: 3 });
    expect(() => prepareFinetune(base, { kind: 'adalora', rank: 4, targetRank: 5 })).toThrow(/targetRank must be an integer from 1 to the initial rank 4, got 5/);
    base.dispose();
  });
});
