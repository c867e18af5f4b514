// Run only by each-backend.test.ts, in a child vitest: one clean test and one that leaks a tensor.
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { describeEachBackend } from '../each-backend.js';

const kept: tf.Tensor[] = [];
describeEachBackend('fixture', () => {
  it('disposes what it makes', () => {
    expect(tf.tidy(() => tf.sum(tf.ones([4])).dataSync()[0])).toBe(4);
  });
  it('keeps a tensor alive', () => {
    kept.push(tf.ones([2]));
  });
});
