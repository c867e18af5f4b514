import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { describeEachBackend } from '../../../../test-support/each-backend.js';
import { mnistSlice } from '../__fixtures__/mnist-slice.js';
import { loadPretrained, pretrainedPath } from './pretrained.js';
import { PretrainedNotFoundError } from '../errors.js';

describeEachBackend('shipped pretrained weights', () => {
  it.each(['fast-cnn', 'bn-cnn'])('%s loads and classifies real MNIST test digits as its recorded accuracy says', async (name) => {
    const { model, metadata } = await loadPretrained(name);
    expect(metadata.architecture).toBe(name);
    const recorded = (metadata.metrics as { test?: { accuracy?: number } } | undefined)?.test?.accuracy ?? 0;
    expect(recorded).toBeGreaterThanOrEqual(0.99);
    // 500 real test images: with 99% recorded over 10,000, fewer than 3% wrong here is a loose but
    // failing-capable bound (a wrong normalisation or a mis-shipped file lands far below it).
    const { images, labels } = mnistSlice(500);
    const predicted = tf.tidy(() => tf.argMax(model.predict(images) as tf.Tensor, -1).arraySync() as number[]);
    images.dispose();
    model.dispose();
    const correct = predicted.filter((digit, index) => digit === labels[index]).length;
    expect(correct / 500).toBeGreaterThan(0.97);
  });
}, { skip: { cpu: 'the shipped file is backend-independent; cpu inference of 500 images only adds time' } });

it('a model without shipped weights says how to train them', async () => {
  await expect(loadPretrained('resnet18')).rejects.toThrow(PretrainedNotFoundError);
  await expect(loadPretrained('resnet18')).rejects.toThrow(/digitlab train --model resnet18/);
  expect(pretrainedPath('fast-cnn')).toMatch(/pretrained[\\/]fast-cnn[\\/]$/);
});
