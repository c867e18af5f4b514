import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachBackend } from '../../../../test-support/each-backend.js';
import { expectNoLeaks } from '../__fixtures__/backend.js';
import { mnistSlice } from '../__fixtures__/mnist-slice.js';
import { Ia3Conv2D } from '../lora/ia3-conv2d.js';
import { Ia3Dense } from '../lora/ia3-dense.js';
import { loadModel } from '../node/load-model.js';
import { saveModel } from '../node/save-model.js';
import { createModel } from '../zoo.js';
import { applyIa3 } from './apply-ia3.js';
import { mergeLora } from './merge-lora.js';

let root: string;
let images: tf.Tensor4D;
let runs = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'digitlab-ia3-'));
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

/** Sets every IA3 vector to seeded values around 1, so an ignored or wrongly merged scale shows. */
function perturbScales(model: tfl.LayersModel, seed: number): void {
  for (const weight of model.weights.filter((candidate) => /ia3_(input_)?scale$/.test(candidate.originalName))) {
    tf.tidy(() => {
      weight.write(tf.randomUniform(weight.shape as number[], 0.5, 1.5, 'float32', seed++));
    });
  }
}

const names = (weights: tfl.LayerVariable[]) => weights.map((weight) => weight.originalName).sort();
const count = (weights: tfl.LayerVariable[]) => weights.reduce((sum, weight) => sum + weight.shape.reduce((product: number, size) => product * (size ?? 0), 1), 0);

describeEachBackend('IA3', () => {
  beforeAll(() => {
    ({ images } = mnistSlice(6, 300));
  });
  afterAll(() => images.dispose());

  describe('applyIa3', () => {
    it('starts as an exact no-op, wraps the targets and trains only the scaling vectors (and the head when asked)', async () => {
      const base = createModel('seed-cnn', { seed: 11 });
      const ia3 = applyIa3(base, { targets: ['conv', 'dense'], trainable: ['head'] });
      expect(predict(ia3)).toEqual(predict(base));
      expect(ia3.getLayer('conv1')).toBeInstanceOf(Ia3Conv2D);
      expect(ia3.getLayer('fc1')).toBeInstanceOf(Ia3Dense);
      expect(ia3.getLayer('head').getClassName()).toBe('Dense');
      expect(names(ia3.trainableWeights)).toEqual(['conv1/ia3_scale', 'conv2/ia3_scale', 'fc1/ia3_input_scale', 'fc1/ia3_scale', 'head/bias', 'head/kernel']);
      // out per Conv2D, in + out per Dense: 32 + 64 + (1600 + 128), plus the head's 128·10 + 10.
      expect(count(ia3.trainableWeights)).toBe(32 + 64 + 1600 + 128 + 1290);
      expect(count(ia3.nonTrainableWeights)).toBe(base.countParams() - 1290);
      await expectNoLeaks(() => predict(ia3));
      base.dispose();
      ia3.dispose();
    });

    it('rejects missing targets, unknown layers and unsupported layer types', () => {
      const model = createModel('resnet-mini', { seed: 1 });
      expect(() => applyIa3(model, { targets: [] })).toThrow(/needs targets/);
      expect(() => applyIa3(model, { targets: ['nope'] })).toThrow(/Unknown layer "nope" in targets\. Should be one of: input, stem_conv/);
      expect(() => applyIa3(model, { targets: ['stem_bn'] })).toThrow(/"stem_bn" is a BatchNormalization; IA3 wraps Dense and Conv2D layers only/);
      model.dispose();
    });
  });

  describe('mergeLora on IA3', () => {
    it('folds the vectors into stock kernels and biases: merged and unmerged predict the same', async () => {
      const base = createModel('seed-cnn', { seed: 21 });
      const ia3 = applyIa3(base, { targets: ['conv', 'dense', 'head'] });
      perturbScales(ia3, 100);
      const unmerged = predict(ia3);
      expect(maxAbsDifference(unmerged, predict(base))).toBeGreaterThan(0.05);
      const merged = mergeLora(ia3);
      expect(merged.layers.map((layer) => layer.getClassName())).toEqual(base.layers.map((layer) => layer.getClassName()));
      expect(maxAbsDifference(predict(merged), unmerged)).toBeLessThan(1e-4);
      const dir = join(root, `merged-${++runs}`);
      await saveModel(merged, dir, { architecture: 'seed-cnn', input: { normalization: 'mnist' } });
      expect(await readFile(join(dir, 'model.json'), 'utf8')).not.toMatch(/Ia3/);
      for (const model of [base, ia3, merged]) model.dispose();
    });

    it('merges a functional ResNet', () => {
      const base = createModel('resnet-mini', { seed: 4 });
      const ia3 = applyIa3(base, { targets: ['stem_conv', 'stage2_block1_conv1', 'stage2_block1_proj_conv', 'head'] });
      expect(predict(ia3, 2)).toEqual(predict(base, 2));
      perturbScales(ia3, 7);
      const unmerged = predict(ia3, 2);
      expect(maxAbsDifference(unmerged, predict(base, 2))).toBeGreaterThan(1e-3);
      const merged = mergeLora(ia3);
      expect(merged.layers.some((layer) => layer instanceof Ia3Conv2D || layer instanceof Ia3Dense)).toBe(false);
      expect(maxAbsDifference(predict(merged, 2), unmerged)).toBeLessThan(1e-4);
      for (const model of [base, ia3, merged]) model.dispose();
    });
  });

  it('unmerged IA3 models save and load with their layers, trainable flags and predictions intact', async () => {
    const base = createModel('seed-cnn', { seed: 31 });
    const ia3 = applyIa3(base, { targets: ['conv2', 'fc1'], trainable: ['head'] });
    perturbScales(ia3, 50);
    const dir = join(root, `unmerged-${++runs}`);
    await saveModel(ia3, dir, { architecture: 'seed-cnn', input: { normalization: 'mnist' }, base: { architecture: 'seed-cnn' } });
    const { model: loaded } = await loadModel(dir);
    expect(loaded.getLayer('conv2')).toBeInstanceOf(Ia3Conv2D);
    expect(loaded.getLayer('fc1')).toBeInstanceOf(Ia3Dense);
    expect(predict(loaded)).toEqual(predict(ia3));
    expect(names(loaded.trainableWeights)).toEqual(names(ia3.trainableWeights));
    for (const model of [base, ia3, loaded]) model.dispose();
  });
});

describe('Ia3Dense without scaleInputs', () => {
  it('has out trainable parameters', () => {
    const layer = new Ia3Dense({ units: 5 });
    tf.dispose(layer.apply(tf.zeros([1, 7])) as tf.Tensor);
    expect(count(layer.trainableWeights)).toBe(5);
    layer.dispose();
  });
});
