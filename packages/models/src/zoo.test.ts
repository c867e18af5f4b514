import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { describeEachBackend } from '../../../test-support/each-backend.js';
import { expectNoLeaks } from './__fixtures__/backend.js';
import { mnistSlice } from './__fixtures__/mnist-slice.js';
import { createModel, listModels, countModelParameters, type ModelName } from './zoo.js';
import { layerGroups } from './layer-groups.js';
import { ModelOptionError } from './errors.js';

describe('listModels', () => {
  it('lists the six zoo models with their input shape', () => {
    expect(listModels().map((entry) => entry.name)).toEqual(['seed-cnn', 'fast-cnn', 'fast-bn-cnn', 'bn-cnn', 'resnet-mini', 'resnet18', 'mlp']);
    for (const entry of listModels()) expect(entry.inputShape).toEqual([28, 28, 1]);
  });

  it('counts seed-cnn, fast-cnn and fast-bn-cnn parameters as computed by hand', () => {
    const byName = new Map(listModels().map((entry) => [entry.name, entry.parameters]));
    // seed-cnn: 28 -conv3-> 26 -pool-> 13 -conv3-> 11 -pool-> 5, so fc1 sees 5*5*64 = 1600 inputs.
    const seed = (3 * 3 * 1 * 32 + 32) + (3 * 3 * 32 * 64 + 64) + (1600 * 128 + 128) + (128 * 10 + 10);
    // fast-cnn: 28 -conv5-> 24 -pool-> 12 -conv5-> 8 -pool-> 4, so fc1 sees 4*4*32 = 512 inputs.
    const fast = (5 * 5 * 1 * 24 + 24) + (5 * 5 * 24 * 32 + 32) + (512 * 256 + 256) + (256 * 10 + 10);
    expect(byName.get('seed-cnn')).toBe(seed);
    expect(byName.get('fast-cnn')).toBe(fast);
    // fast-bn-cnn: the same without conv biases, plus γ, β, moving mean and variance per channel.
    expect(byName.get('fast-bn-cnn')).toBe(fast - 24 - 32 + 4 * 24 + 4 * 32);
  });
});

describeEachBackend('zoo models', () => {
  describe('parameter counts of built models', () => {
    it('matches the built models\' own parameter counts, resnet18 included', () => {
      for (const entry of listModels()) {
        const model = createModel(entry.name, { seed: 1 });
        expect(model.countParams(), entry.name).toBe(entry.parameters);
        model.dispose();
      }
    });

    it('counts for non-default options too', () => {
      for (const name of ['seed-cnn', 'bn-cnn', 'resnet-mini', 'mlp'] as const) {
        const options = { numClasses: 5, inputShape: [32, 30, 3] as [number, number, number], seed: 2 };
        const model = createModel(name, options);
        expect(model.countParams(), name).toBe(countModelParameters(name, options));
        model.dispose();
      }
    });
  });

  describe('createModel', () => {
    const cheap: ModelName[] = ['seed-cnn', 'fast-cnn', 'fast-bn-cnn', 'bn-cnn', 'resnet-mini', 'mlp'];

    it.each(cheap)('%s maps real MNIST [b,28,28,1] to finite logits [b,10] without leaking', async (name) => {
      const { images } = mnistSlice(3);
      await expectNoLeaks(() => {
        const model = createModel(name, { seed: 3 });
        const logits = model.predict(images) as tf.Tensor;
        expect(logits.shape).toEqual([3, 10]);
        const values = Array.from(logits.dataSync());
        expect(values.every(Number.isFinite)).toBe(true);
        // Logits, not probabilities: the rows do not sum to 1 and some entries are negative.
        const rowSum = values.slice(0, 10).reduce((sum, value) => sum + value, 0);
        expect(Math.abs(rowSum - 1)).toBeGreaterThan(1e-3);
        expect(values.some((value) => value < 0)).toBe(true);
        logits.dispose();
        model.dispose();
      });
      images.dispose();
    });

    it('has no softmax anywhere: the head is linear', () => {
      for (const name of cheap) {
        const model = createModel(name, { seed: 0 });
        const head = model.getLayer('head');
        expect((head.getConfig() as { activation: string }).activation).toBe('linear');
        expect(model.layers.some((layer) => layer.getClassName() === 'Softmax')).toBe(false);
        model.dispose();
      }
    });

    it('gives the same weights for the same seed and different weights for another seed', () => {
      const weights = (seed: number) => {
        const model = createModel('seed-cnn', { seed });
        const values = model.getWeights().map((tensor) => Array.from(tensor.dataSync()));
        model.dispose();
        return values;
      };
      const first = weights(7);
      expect(weights(7)).toEqual(first);
      expect(weights(8)[0]).not.toEqual(first[0]);
      // Each layer draws from its own stream: conv1 and conv2 kernels are not prefixes of each other.
      expect(first[0]?.slice(0, 10)).not.toEqual(first[2]?.slice(0, 10));
    });

    it('honours numClasses', () => {
      const model = createModel('resnet-mini', { numClasses: 4, seed: 1 });
      expect(model.outputs[0]?.shape).toEqual([null, 4]);
      model.dispose();
    });

    it('names layers stably for fine-tuning', () => {
      const seed = createModel('seed-cnn', { seed: 1 });
      expect(seed.layers.map((layer) => layer.name)).toEqual(['conv1', 'pool1', 'conv2', 'pool2', 'flatten', 'fc1', 'fc1_dropout', 'head']);
      seed.dispose();
      const resnet = createModel('resnet-mini', { seed: 1 });
      const names = resnet.layers.map((layer) => layer.name);
      expect(names).toContain('stage2_block1_proj_conv');
      expect(names).not.toContain('stage1_block1_proj_conv'); // same width, stride 1: identity shortcut
      resnet.dispose();
    });

    it('rejects an unknown name, listing the valid ones', () => {
      expect(() => createModel('lenet')).toThrow(ModelOptionError);
      expect(() => createModel('lenet')).toThrow(/"lenet".*seed-cnn, fast-cnn, fast-bn-cnn, bn-cnn, resnet-mini, resnet18, mlp/);
      expect(() => createModel('mlp', { numClasses: 0 })).toThrow(/numClasses.*got 0/);
    });
  });

  describe('layerGroups', () => {
    it('splits a ResNet into stem, stages and head', () => {
      const model = createModel('resnet-mini', { seed: 1 });
      const groups = layerGroups(model);
      expect(groups.map((group) => group.name)).toEqual(['stem', 'stage1', 'stage2', 'stage3', 'stage4', 'head']);
      expect(groups.flatMap((group) => group.layers)).toHaveLength(model.layers.length);
      expect(groups[0]?.layers[0]?.name).toBe('input');
      expect(groups[4]?.layers.at(-1)?.name).toBe('pool');
      model.dispose();
    });

    it('keeps weightless layers with the group before them', () => {
      const model = createModel('seed-cnn', { seed: 1 });
      expect(layerGroups(model).map((group) => [group.name, group.layers.map((layer) => layer.name)])).toEqual([
        ['conv1', ['conv1', 'pool1']],
        ['conv2', ['conv2', 'pool2', 'flatten']],
        ['fc1', ['fc1', 'fc1_dropout']],
        ['head', ['head']],
      ]);
      model.dispose();
      const mlp = createModel('mlp', { seed: 1 });
      expect(layerGroups(mlp).map((group) => group.name)).toEqual(['fc1', 'fc2', 'head']);
      mlp.dispose();
      const bn = createModel('bn-cnn', { seed: 1 });
      expect(layerGroups(bn).map((group) => group.name)).toEqual(['block1', 'block2', 'fc1', 'head']);
      bn.dispose();
    });
  });
});
