import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCpuPlugin } from './cpu-plugin.js';
import { TensorLeakError } from './errors.js';
import { selectBackend } from './select-backend.js';
import { countTensorLeaks, expectNoTensorLeaks } from './tensor-leaks.js';

describe('tensor leak checks', () => {
  beforeAll(async () => {
    await selectBackend('cpu', { plugins: [createCpuPlugin()] });
  });

  it('pass tidy work and return its result', async () => {
    const value = await expectNoTensorLeaks(() => tf.tidy(() => tf.square(tf.tensor1d([3])).dataSync()[0]));
    expect(value).toBe(9);
  });

  it('count and reject tensors left alive', async () => {
    let kept: tf.Tensor[] = [];
    const { leaked } = await countTensorLeaks(() => {
      kept = [tf.ones([2]), tf.zeros([3])];
    });
    expect(leaked).toBe(2);
    const failure = expectNoTensorLeaks(() => {
      kept.push(tf.scalar(1));
    }, 'the step');
    await expect(failure).rejects.toBeInstanceOf(TensorLeakError);
    await expect(failure).rejects.toThrow('the step leaked 1 tensor on backend "cpu"');
    tf.dispose(kept);
  });
});
