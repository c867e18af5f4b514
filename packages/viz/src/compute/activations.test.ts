import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { createModel } from '@digitlab/models';
import { expectNoTensorLeaks } from '@digitlab/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { mnistSlice, pretrained, useTestBackend } from '../__fixtures__/test-models.js';
import { layerActivations } from './activations.js';
import { convFilters, convLayerNames } from './conv-filters.js';

beforeAll(useTestBackend);

/** The largest |a − b|. */
const maxDifference = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((worst, value, i) => Math.max(worst, Math.abs(value - b[i]!)), 0);

describe('layerActivations', () => {
  it.each(['bn-cnn', 'fast-cnn', 'resnet-mini'] as const)('equals a tf.model cut at each layer of %s on a real test digit', async (name) => {
    const { images } = mnistSlice(1, 7);
    const model = name === 'resnet-mini' ? createModel(name, { seed: 3 }) : (await pretrained(name)).model;
    const activations = await expectNoTensorLeaks(() => layerActivations(model, images), 'layerActivations');
    const layers = model.layers.filter((layer) => layer.getClassName() !== 'InputLayer');
    expect(activations.map((a) => a.name)).toEqual([...layers.map((layer) => layer.name), 'softmax']);
    for (const layer of layers) {
      const cut = tfl.model({ inputs: model.inputs, outputs: layer.output as tfl.SymbolicTensor });
      const expected = tf.tidy(() => (cut.predict(images) as tf.Tensor).dataSync());
      const actual = activations.find((a) => a.name === layer.name)!;
      expect(actual.shape).toEqual((layer.outputShape as number[]).slice(1));
      expect(maxDifference(actual.values, expected), layer.name).toBeLessThan(1e-4);
    }
    const probabilities = activations.at(-1)!.values;
    expect(probabilities.reduce((sum, p) => sum + p, 0)).toBeCloseTo(1, 5);
    if (name !== 'resnet-mini') expect(probabilities.indexOf(Math.max(...probabilities))).toBe(9); // test digit 7 is a 9
    if (name === 'resnet-mini') model.dispose();
    images.dispose();
  });

  it('names the expected shape when given a batch', async () => {
    const { images } = mnistSlice(2);
    const { model } = await pretrained('fast-cnn');
    expect(() => layerActivations(model, images)).toThrow(/one input of shape \[1, 28, 28, 1\].*got \[2, 28, 28, 1\]/);
    images.dispose();
  });
});

describe('convFilters', () => {
  it('returns the HWIO kernel of each conv layer as stored', async () => {
    const { model } = await pretrained('bn-cnn');
    expect(convLayerNames(model)).toEqual(['block1_conv1', 'block1_conv2', 'block1_conv3', 'block2_conv1', 'block2_conv2', 'block2_conv3']);
    const filters = convFilters(model, 'block1_conv3');
    expect([filters.height, filters.width, filters.inChannels, filters.filters]).toEqual([5, 5, 32, 32]);
    expect(maxDifference(filters.values, model.getLayer('block1_conv3').getWeights()[0]!.dataSync())).toBe(0);
    expect(convFilters(model).layer).toBe('block1_conv1');
    expect(() => convFilters(model, 'fc1')).toThrow(/"fc1" is not a conv layer. Should be one of: block1_conv1/);
    expect(() => convFilters(model, 'nope')).toThrow(/no layer "nope".*Should be one of/);
  });
});
