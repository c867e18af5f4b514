import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { describeEachBackend, expectNoLeaks } from '../__fixtures__/backend.js';
import { adam, adamw } from '../optimizers/adam.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import { sgd } from '../optimizers/sgd.js';

/** One step on two scalar variables θ = [1, 1] with gradient [g, g]; returns their values. */
function step(optimizer: Optimizer, learningRateScales?: readonly number[]): number[] {
  const variables = tf.tidy(() => [tf.variable(tf.scalar(1)), tf.variable(tf.scalar(1))]);
  // Disposed even when applyGradients refuses the scales: the suite fails any test that leaves tensors alive.
  try {
    tf.tidy(() => optimizer.applyGradients(variables, [tf.scalar(0.5), tf.scalar(0.5)], { learningRate: 0.1, ...(learningRateScales ? { learningRateScales } : {}) }));
    return variables.map((variable) => variable.dataSync()[0]!);
  } finally {
    tf.dispose(variables);
    optimizer.dispose();
  }
}

describeEachBackend('per-variable learning-rate scales (discriminative learning rates)', () => {
  it('SGD: θ_i −= lr·scale_i·v_i, by hand', async () => {
    // v = g = 0.5 on the first step; θ = 1 − 0.1·scale·0.5.
    const [first, second] = await expectNoLeaks(() => step(sgd({ momentum: 0.9 }), [1, 0.25]));
    expect(first).toBeCloseTo(1 - 0.1 * 1 * 0.5, 6);
    expect(second).toBeCloseTo(1 - 0.1 * 0.25 * 0.5, 6);
  });

  it('Adam and AdamW scale the step (and AdamW its decay) per variable; no scales is the old behaviour', () => {
    // Adam's first step is lr·sign(g): 0.1 and 0.1·0.5.
    const [a, b] = step(adam(), [1, 0.5]);
    expect(a).toBeCloseTo(0.9, 5);
    expect(b).toBeCloseTo(0.95, 5);
    // AdamW: θ·(1 − lr_i·λ) − lr_i·sign(g) with lr_i = 0.1·scale_i.
    const [c, d] = step(adamw({ weightDecay: 0.1 }), [1, 0.5]);
    expect(c).toBeCloseTo(1 - 0.01 - 0.1, 5);
    expect(d).toBeCloseTo(1 - 0.005 - 0.05, 5);
    expect(step(sgd())).toEqual(step(sgd(), [1, 1]));
  });

  it('rejects scales that do not match the variables', () => {
    expect(() => step(sgd(), [1])).toThrow(/learningRateScales has 1 entries but there are 2 trainable variables/);
  });
});
