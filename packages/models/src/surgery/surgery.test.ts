import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachBackend } from '../../../../test-support/each-backend.js';
import { expectNoLeaks, fileFetch } from '../__fixtures__/backend.js';
import { mnistSlice } from '../__fixtures__/mnist-slice.js';
import { ModelOptionError } from '../errors.js';
import { layerGroups } from '../layer-groups.js';
import { loadModel } from '../node/load-model.js';
import { Adapter } from '../lora/adapter.js';
import { LoraConv2D } from '../lora/lora-conv2d.js';
import { LoraDense } from '../lora/lora-dense.js';
import { saveModel } from '../node/save-model.js';
import { createModel } from '../zoo.js';
import { addAdapters } from './add-adapters.js';
import { applyLora } from './apply-lora.js';
import { mergeLora } from './merge-lora.js';
import { replaceHead } from './replace-head.js';

let root: string;
let images: tf.Tensor4D;
let labels: number[];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'digitlab-lora-'));
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

/** Sets every weight whose name ends with `suffix` to seeded random values, so an ignored update shows. */
function perturb(model: tfl.LayersModel, suffix: string, seed: number): void {
  for (const weight of model.weights.filter((candidate) => candidate.originalName.endsWith(suffix))) {
    tf.tidy(() => {
      weight.write(tf.randomNormal(weight.shape as number[], 0, 0.05, 'float32', seed++));
    });
  }
}

let runs = 0;
/** Distinct folder names: every suite runs once per backend in the same temp root. */
const backendRun = () => ++runs;

const names = (weights: tfl.LayerVariable[]) => weights.map((weight) => weight.originalName);

describeEachBackend('LoRA, adapters and surgery', () => {
  beforeAll(() => {
    ({ images, labels } = mnistSlice(6, 100));
  });
  afterAll(() => images.dispose());

  describe('applyLora', () => {
    it('starts as an exact no-op on a Sequential model, wraps the targets and freezes the rest', () => {
      const base = createModel('seed-cnn', { seed: 11 });
      const lora = applyLora(base, { rank: 4, targets: ['conv', 'dense'], seed: 1 });
      expect(predict(lora)).toEqual(predict(base));
      expect(lora.getLayer('conv1')).toBeInstanceOf(LoraConv2D);
      expect(lora.getLayer('conv2')).toBeInstanceOf(LoraConv2D);
      expect(lora.getLayer('fc1')).toBeInstanceOf(LoraDense);
      expect(lora.getLayer('head').getClassName()).toBe('Dense'); // 'dense' leaves the classifier alone
      expect(names(lora.trainableWeights).sort()).toEqual(
        ['conv1/lora_a', 'conv1/lora_b', 'conv2/lora_a', 'conv2/lora_b', 'fc1/lora_a', 'fc1/lora_b'].sort(),
      );
      for (const frozen of ['conv1/kernel', 'conv1/bias', 'fc1/kernel', 'head/kernel']) expect(names(lora.nonTrainableWeights)).toContain(frozen);
      base.dispose();
      lora.dispose();
    });

    it('adds r·(in + out) trainable parameters per Dense and r·(kh·kw·in + out) per Conv2D', () => {
      const base = createModel('seed-cnn', { seed: 1 });
      const rank = 3;
      const lora = applyLora(base, { rank, targets: ['conv1', 'conv2', 'fc1', 'head'] });
      const count = (weights: tfl.LayerVariable[]) => weights.reduce((sum, weight) => sum + weight.shape.reduce((product: number, size) => product * (size ?? 0), 1), 0);
      const expected = rank * (3 * 3 * 1 + 32) + rank * (3 * 3 * 32 + 64) + rank * (1600 + 128) + rank * (128 + 10);
      expect(count(lora.trainableWeights)).toBe(expected);
      // The frozen base keeps every original parameter.
      expect(count(lora.nonTrainableWeights)).toBe(base.countParams());
      expect(expected / lora.countParams()).toBeLessThan(0.05);
      base.dispose();
      lora.dispose();
    });

    it('is independent of the base model, and leaks nothing', async () => {
      const base = createModel('mlp', { seed: 3 });
      const before = predict(base);
      await expectNoLeaks(() => applyLora(base, { rank: 2, targets: ['dense'] }).dispose());
      const lora = applyLora(base, { rank: 2, targets: ['dense'] });
      base.dispose();
      expect(predict(lora)).toEqual(before);
      await expectNoLeaks(() => predict(lora));
      lora.dispose();
    });

    it('trains only the LoRA factors', () => {
      const base = createModel('seed-cnn', { seed: 5 });
      const lora = applyLora(base, { rank: 2, targets: ['conv2', 'fc1'], dropout: 0.1, seed: 2 });
      const snapshot = () => new Map(lora.weights.map((weight) => [weight.originalName, Array.from(weight.read().dataSync())]));
      const before = snapshot();
      // Two steps: the first moves only B (A's gradient is x·(dL/dy·Bᵀ) = 0 while B = 0), the second A too.
      const optimizer = tf.train.sgd(0.5);
      const trainable = lora.trainableWeights.map((weight) => weight.read() as tf.Variable);
      tf.tidy(() => {
        const targets = tf.oneHot(tf.tensor1d(labels, 'int32'), 10);
        for (let step = 0; step < 2; step++) {
          optimizer.minimize(() => tf.losses.softmaxCrossEntropy(targets, lora.apply(images, { training: true }) as tf.Tensor), false, trainable);
        }
      });
      optimizer.dispose();
      const after = snapshot();
      for (const [name, values] of after) {
        const changed = values.some((value, index) => value !== before.get(name)?.[index]);
        expect(changed, name).toBe(/lora_[ab]$/.test(name));
      }
      base.dispose();
      lora.dispose();
    });

    it('rejects bad ranks, unknown layers and unsupported layer types', () => {
      const model = createModel('resnet-mini', { seed: 1 });
      for (const rank of [0, -2, 1.5]) expect(() => applyLora(model, { rank, targets: ['head'] })).toThrow(/rank must be a positive integer.*got/);
      expect(() => applyLora(model, { rank: 2, targets: ['stage9_conv'] })).toThrow(ModelOptionError);
      expect(() => applyLora(model, { rank: 2, targets: ['stage9_conv'] })).toThrow(/Unknown layer "stage9_conv" in targets\. Should be one of: input, stem_conv, stem_bn/);
      expect(() => applyLora(model, { rank: 2, targets: ['stem_bn'] })).toThrow(/"stem_bn" is a BatchNormalization; LoRA wraps Dense and Conv2D layers only\. Layers LoRA can wrap: stem_conv, /);
      expect(() => applyLora(model, { rank: 2, targets: ['dense'] })).toThrow(/'dense' matches no Dense layer/);
      expect(() => applyLora(model, { rank: 2, targets: [] })).toThrow(/needs targets/);
      model.dispose();
    });
  });

  describe('mergeLora', () => {
    it('folds LoRA into stock kernels: merged and unmerged predict the same after B is perturbed', async () => {
      const base = createModel('seed-cnn', { seed: 21 });
      const lora = applyLora(base, { rank: 4, alpha: 8, targets: ['conv', 'dense', 'head'], seed: 3 });
      perturb(lora, 'lora_b', 100);
      const unmerged = predict(lora);
      // The perturbation matters, so the comparison below can fail.
      expect(maxAbsDifference(unmerged, predict(base))).toBeGreaterThan(0.05);
      const merged = mergeLora(lora);
      expect(merged.layers.map((layer) => layer.getClassName())).toEqual(base.layers.map((layer) => layer.getClassName()));
      expect(maxAbsDifference(predict(merged), unmerged)).toBeLessThan(1e-4);
      expect(merged.trainableWeights).toHaveLength(base.trainableWeights.length);

      // Saved merged files hold stock layers only: stock tfjs reads them.
      const dir = join(root, `merged-${backendRun()}`);
      await saveModel(merged, dir, { architecture: 'seed-cnn', input: { normalization: 'mnist' } });
      const modelJson = await readFile(join(dir, 'model.json'), 'utf8');
      expect(modelJson).not.toMatch(/Lora|Adapter/);
      const stock = await tfl.loadLayersModel(tf.io.http(join(dir, 'model.json'), { fetchFunc: fileFetch }));
      expect(maxAbsDifference(predict(stock), unmerged)).toBeLessThan(1e-4);
      for (const model of [base, lora, merged, stock]) model.dispose();
    });

    it('merges a functional ResNet', () => {
      const base = createModel('resnet-mini', { seed: 4 });
      const lora = applyLora(base, { rank: 2, targets: ['stem_conv', 'stage2_block1_conv1', 'stage2_block1_proj_conv', 'head'] });
      expect(predict(lora, 2)).toEqual(predict(base, 2));
      perturb(lora, 'lora_b', 7);
      const unmerged = predict(lora, 2);
      expect(maxAbsDifference(unmerged, predict(base, 2))).toBeGreaterThan(1e-3);
      const merged = mergeLora(lora);
      expect(merged.layers.some((layer) => layer instanceof LoraConv2D || layer instanceof LoraDense)).toBe(false);
      expect(maxAbsDifference(predict(merged, 2), unmerged)).toBeLessThan(1e-4);
      for (const model of [base, lora, merged]) model.dispose();
    });
  });

  describe('unmerged LoRA and adapter models', () => {
    it('save and load with their custom layers, trainable flags and predictions intact', async () => {
      const base = createModel('seed-cnn', { seed: 31 });
      const lora = applyLora(base, { rank: 2, targets: ['conv2', 'fc1'], trainable: ['head'] });
      perturb(lora, 'lora_b', 50);
      const dir = join(root, `unmerged-${backendRun()}`);
      await saveModel(lora, dir, { architecture: 'seed-cnn', input: { normalization: 'mnist' }, base: { architecture: 'seed-cnn' } });
      const { model: loaded, metadata } = await loadModel(dir);
      expect(metadata.base).toEqual({ architecture: 'seed-cnn' });
      expect(loaded.getLayer('conv2')).toBeInstanceOf(LoraConv2D);
      expect(predict(loaded)).toEqual(predict(lora));
      expect(names(loaded.trainableWeights).sort()).toEqual(names(lora.trainableWeights).sort());
      expect(names(loaded.trainableWeights)).toContain('head/kernel');
      for (const model of [base, lora, loaded]) model.dispose();
    });

    it('adapters start as identities, after a Sequential or inside a functional graph, and round-trip', async () => {
      const mlp = createModel('mlp', { seed: 2 });
      const adapted = addAdapters(mlp, { after: ['fc1', 'fc2'], bottleneck: 16, seed: 1 });
      expect(predict(adapted)).toEqual(predict(mlp));
      expect(adapted.getLayer('fc1_adapter')).toBeInstanceOf(Adapter);
      // Adapters join the group of the layer they follow, so gradual unfreezing still sees three groups.
      expect(layerGroups(adapted).map((group) => group.layers.map((layer) => layer.name))).toEqual([
        ['flatten', 'fc1', 'fc1_adapter', 'fc1_dropout'],
        ['fc2', 'fc2_adapter'],
        ['head'],
      ]);
      const trainable = adapted.trainableWeights.reduce((sum, weight) => sum + weight.read().size, 0);
      expect(trainable).toBe(2 * 256 * 16 + 16 + 256 + (2 * 128 * 16 + 16 + 128));

      const resnet = createModel('resnet-mini', { seed: 6 });
      const withAdapter = addAdapters(resnet, { after: ['stage2_block2_relu2'], bottleneck: 8, trainable: ['head'] });
      // The adapter takes over the block output's consumer (the next block), it does not dangle.
      expect(withAdapter.getLayer('stage3_block1_conv1').inboundNodes[0]?.inboundLayers.map((layer) => layer.name)).toEqual(['stage2_block2_relu2_adapter']);
      expect(predict(withAdapter, 2)).toEqual(predict(resnet, 2));
      perturb(withAdapter, 'up_kernel', 9);
      const changed = predict(withAdapter, 2);
      expect(maxAbsDifference(changed, predict(resnet, 2))).toBeGreaterThan(1e-4);
      const dir = join(root, `adapters-${backendRun()}`);
      await saveModel(withAdapter, dir, { architecture: 'resnet-mini', input: { normalization: 'unit' } });
      const { model: loaded } = await loadModel(dir);
      expect(predict(loaded, 2)).toEqual(changed);
      expect(() => addAdapters(resnet, { after: ['nope'], bottleneck: 8 })).toThrow(/Unknown layer "nope" in after/);
      expect(() => addAdapters(resnet, { after: ['head'], bottleneck: 0 })).toThrow(/bottleneck must be a positive integer/);
      for (const model of [mlp, adapted, resnet, withAdapter, loaded]) model.dispose();
    });
  });

  describe('replaceHead', () => {
    it('puts a fresh seeded head of the new width on the kept backbone', () => {
      const base = createModel('seed-cnn', { seed: 41 });
      const frozen = applyLora(base, { rank: 2, targets: ['fc1'] });
      const five = replaceHead(frozen, 5, { seed: 9 });
      expect(five.outputs[0]?.shape).toEqual([null, 5]);
      const values = (model: tfl.LayersModel, name: string) => Array.from(model.weights.find((weight) => weight.originalName === name)!.read().dataSync());
      expect(values(five, 'conv1/kernel')).toEqual(values(base, 'conv1/kernel'));
      expect(values(five, 'fc1/lora_a')).toEqual(values(frozen, 'fc1/lora_a'));
      // The new head trains; the frozen backbone stays frozen.
      expect(names(five.trainableWeights).sort()).toEqual(['fc1/lora_a', 'fc1/lora_b', 'head/bias', 'head/kernel']);
      // Same seed, same head; the old head's weights are not reused even at the same width.
      const again = replaceHead(frozen, 5, { seed: 9 });
      expect(values(again, 'head/kernel')).toEqual(values(five, 'head/kernel'));
      const ten = replaceHead(base, 10, { seed: 9 });
      expect(values(ten, 'head/kernel')).not.toEqual(values(base, 'head/kernel'));
      expect(() => replaceHead(base, 0)).toThrow(/numClasses must be a positive integer, got 0/);
      for (const model of [base, frozen, five, again, ten]) model.dispose();
    });
  });
});
