import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachBackend } from '../../../../test-support/each-backend.js';
import { expectNoLeaks } from '../__fixtures__/backend.js';
import { mnistSlice } from '../__fixtures__/mnist-slice.js';
import { adaLoraBudget, selectTriplets } from '../lora/adalora-budget.js';
import { AdaLoraConv2D } from '../lora/adalora-conv2d.js';
import { AdaLoraDense } from '../lora/adalora-dense.js';
import { loadModel } from '../node/load-model.js';
import { saveModel } from '../node/save-model.js';
import { createModel } from '../zoo.js';
import { applyAdaLora } from './apply-adalora.js';
import { mergeLora } from './merge-lora.js';

let root: string;
let images: tf.Tensor4D;
let runs = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'digitlab-adalora-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function predict(model: tfl.LayersModel, count = 6): Float32Array {
  return tf.tidy(() => (model.predict(tf.slice(images, 0, count)) as tf.Tensor).dataSync() as Float32Array);
}

function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  return a.reduce((max, value, index) => Math.max(max, Math.abs(value - (b[index] ?? Number.NaN))), 0);
}

/** Gives λ seeded non-zero values and prunes some triplets, so an ignored factor or mask shows. */
function perturb(model: tfl.LayersModel, seed: number): void {
  for (const layer of model.layers.filter((candidate): candidate is AdaLoraDense | AdaLoraConv2D => candidate instanceof AdaLoraDense || candidate instanceof AdaLoraConv2D)) {
    tf.tidy(() => {
      layer.lambda!.write(tf.randomNormal([layer.rank], 0, 3, 'float32', seed++));
      layer.mask!.write(tf.tensor1d(Array.from({ length: layer.rank }, (_, index) => (index % 3 === 1 ? 0 : 1))));
    });
  }
}

const names = (weights: tfl.LayerVariable[]) => weights.map((weight) => weight.originalName).sort();

describeEachBackend('AdaLoRA', () => {
  beforeAll(() => {
    ({ images } = mnistSlice(6, 500));
  });
  afterAll(() => images.dispose());

  it('starts as an exact no-op and trains only P, λ, Q (and the head when asked)', async () => {
    const base = createModel('mlp', { seed: 11 });
    const ada = applyAdaLora(base, { rank: 6, targets: ['dense'], trainable: ['head'], seed: 1 });
    expect(predict(ada)).toEqual(predict(base));
    expect(ada.getLayer('fc1')).toBeInstanceOf(AdaLoraDense);
    expect(ada.getLayer('head').getClassName()).toBe('Dense');
    expect(names(ada.trainableWeights)).toEqual(['fc1/ada_lambda', 'fc1/ada_p', 'fc1/ada_q', 'fc2/ada_lambda', 'fc2/ada_p', 'fc2/ada_q', 'head/bias', 'head/kernel']);
    const count = ada.trainableWeights.reduce((sum, weight) => sum + weight.read().size, 0);
    // r·(in + out + 1) per layer: fc1 784→256, fc2 256→128; head 128·10 + 10.
    expect(count).toBe(6 * (784 + 256 + 1) + 6 * (256 + 128 + 1) + 1290);
    await expectNoLeaks(() => predict(ada));
    expect(() => applyAdaLora(base, { rank: 2, targets: ['flatten'] })).toThrow(/"flatten" is a Flatten; AdaLoRA wraps Dense and Conv2D layers only/);
    expect(() => applyAdaLora(base, { rank: 0, targets: ['dense'] })).toThrow(/rank must be a positive integer/);
    base.dispose();
    ada.dispose();
  });

  it('merges into stock Dense kernels: merged and unmerged predict the same, pruned triplets included', async () => {
    const base = createModel('mlp', { seed: 21 });
    const ada = applyAdaLora(base, { rank: 6, alpha: 12, targets: ['dense', 'head'], seed: 3 });
    perturb(ada, 100);
    const unmerged = predict(ada);
    expect(maxAbsDifference(unmerged, predict(base))).toBeGreaterThan(1e-3);
    const merged = mergeLora(ada);
    expect(merged.layers.map((layer) => layer.getClassName())).toEqual(base.layers.map((layer) => layer.getClassName()));
    expect(maxAbsDifference(predict(merged), unmerged)).toBeLessThan(1e-4);
    const dir = join(root, `merged-${++runs}`);
    await saveModel(merged, dir, { architecture: 'mlp', input: { normalization: 'mnist' } });
    expect(await readFile(join(dir, 'model.json'), 'utf8')).not.toMatch(/AdaLora/);
    for (const model of [base, ada, merged]) model.dispose();
  });

  it('wraps Conv2D layers too: a no-op at first, merged exactly into a functional ResNet after pruning', () => {
    const cnn = createModel('seed-cnn', { seed: 12 });
    const wrapped = applyAdaLora(cnn, { rank: 3, targets: ['conv', 'dense'], seed: 2 });
    expect(predict(wrapped)).toEqual(predict(cnn));
    expect(wrapped.getLayer('conv2')).toBeInstanceOf(AdaLoraConv2D);
    const count = wrapped.trainableWeights.reduce((sum, weight) => sum + weight.read().size, 0);
    // r·(kh·kw·in + out + 1) per Conv2D, r·(in + out + 1) per Dense.
    expect(count).toBe(3 * (9 + 32 + 1) + 3 * (288 + 64 + 1) + 3 * (1600 + 128 + 1));

    const base = createModel('resnet-mini', { seed: 4 });
    const ada = applyAdaLora(base, { rank: 3, targets: ['stem_conv', 'stage2_block1_conv1', 'stage2_block1_proj_conv', 'head'], seed: 4 });
    expect(predict(ada, 2)).toEqual(predict(base, 2));
    perturb(ada, 7);
    const unmerged = predict(ada, 2);
    expect(maxAbsDifference(unmerged, predict(base, 2))).toBeGreaterThan(1e-4);
    const merged = mergeLora(ada);
    expect(merged.layers.some((layer) => layer instanceof AdaLoraConv2D || layer instanceof AdaLoraDense)).toBe(false);
    expect(maxAbsDifference(predict(merged, 2), unmerged)).toBeLessThan(1e-4);
    for (const model of [cnn, wrapped, base, ada, merged]) model.dispose();
  });

  it('unmerged models save and load with their masks and predictions intact', async () => {
    const base = createModel('seed-cnn', { seed: 31 });
    const ada = applyAdaLora(base, { rank: 4, targets: ['fc1'], trainable: ['head'], seed: 5 });
    perturb(ada, 50);
    const dir = join(root, `unmerged-${++runs}`);
    await saveModel(ada, dir, { architecture: 'seed-cnn', input: { normalization: 'mnist' } });
    const { model: loaded } = await loadModel(dir);
    const layer = loaded.getLayer('fc1');
    expect(layer).toBeInstanceOf(AdaLoraDense);
    expect((layer as AdaLoraDense).keptRank()).toBe(3);
    expect(predict(loaded)).toEqual(predict(ada));
    expect(names(loaded.trainableWeights)).toEqual(names(ada.trainableWeights));
    for (const model of [base, ada, loaded]) model.dispose();
  });
});

describe('AdaLoRA budget', () => {
  const schedule = { initialBudget: 24, targetBudget: 8, totalSteps: 100, warmupSteps: 10, finalSteps: 20 };

  it('follows the cubic schedule from the initial to the target budget', () => {
    expect(adaLoraBudget(0, schedule)).toBe(24);
    expect(adaLoraBudget(9, schedule)).toBe(24);
    expect(adaLoraBudget(10, schedule)).toBe(24);
    // Halfway through pruning: 8 + 16·(1 − 1/2)³ = 10.
    expect(adaLoraBudget(45, schedule)).toBe(10);
    expect(adaLoraBudget(80, schedule)).toBe(8);
    expect(adaLoraBudget(99, schedule)).toBe(8);
    const budgets = Array.from({ length: 100 }, (_, step) => adaLoraBudget(step, schedule));
    expect(budgets.every((budget, step) => step === 0 || budget <= budgets[step - 1]!)).toBe(true);
    expect(() => adaLoraBudget(0, { ...schedule, targetBudget: 30 })).toThrow(/0 ≤ target ≤ initial, got target 30 and initial 24/);
  });

  it('keeps the triplets of larger importance across layers', () => {
    // Layer 0 holds the two most important triplets, layer 1 the third; a tie (0.5) goes to the earlier layer.
    const scores = [
      [0.9, 0.1, 0.5, 0.05],
      [0.2, 0.7, 0.5, 0.01],
    ];
    expect(selectTriplets(scores, 3)).toEqual([
      [1, 0, 1, 0],
      [0, 1, 0, 0],
    ]);
    expect(selectTriplets(scores, 0)).toEqual([
      [0, 0, 0, 0],
      [0, 0, 0, 0],
    ]);
    expect(selectTriplets(scores, 8).flat().every((kept) => kept === 1)).toBe(true);
  });
});
