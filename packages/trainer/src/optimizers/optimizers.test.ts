import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { describeEachBackend, expectNoLeaks } from '../__fixtures__/backend.js';
import { withAndWithoutKernel } from '../__fixtures__/kernel-paths.js';
import { ADAM_KERNEL, adam, adamw } from './adam.js';
import { createOptimizer } from './create-optimizer.js';
import type { Optimizer } from './optimizer.js';
import { SGD_MOMENTUM_KERNEL, sgd } from './sgd.js';

const start = [1, -2];
const gradients = [
  [0.5, 1],
  [-1, 0.25],
];

/** Applies the two gradient steps above to θ = start and returns θ. */
function run(optimizer: Optimizer, learningRate = 0.1): number[] {
  const theta = tf.tidy(() => tf.variable(tf.tensor1d(start)));
  for (const g of gradients) {
    tf.tidy(() => optimizer.applyGradients([theta], [tf.tensor1d(g)], { learningRate }));
  }
  const values = Array.from(theta.dataSync());
  theta.dispose();
  optimizer.dispose();
  return values;
}

/** Adam in scalar JS, straight from the paper's algorithm 1, for one coordinate. */
function adamByHand(theta: number, grads: number[], { lr = 0.1, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8, decoupled = 0 } = {}): number {
  let m = 0;
  let v = 0;
  grads.forEach((g, index) => {
    const t = index + 1;
    theta -= lr * decoupled * theta;
    m = beta1 * m + (1 - beta1) * g;
    v = beta2 * v + (1 - beta2) * g * g;
    theta -= (lr * (m / (1 - beta1 ** t))) / (Math.sqrt(v / (1 - beta2 ** t)) + epsilon);
  });
  return theta;
}

describeEachBackend('optimizers against hand-computed updates', (backend) => {
  it('SGD with momentum: v = μv + g, θ −= lr·v', async () => {
    // step 1: v = [0.5, 1], θ = [0.95, −2.1]; step 2: v = [−0.55, 1.15], θ = [1.005, −2.215]
    const theta = await expectNoLeaks(() => run(sgd({ momentum: 0.9 })));
    expect(theta[0]).toBeCloseTo(1.005, 6);
    expect(theta[1]).toBeCloseTo(-2.215, 6);
  });

  it.each([
    [SGD_MOMENTUM_KERNEL, () => sgd({ momentum: 0.9 })],
    [SGD_MOMENTUM_KERNEL, () => sgd({ momentum: 0.8, nesterov: true, weightDecay: 1e-3 })],
    [ADAM_KERNEL, () => adam({ beta1: 0.7, beta2: 0.9 })],
    [ADAM_KERNEL, () => adam({ weightDecay: 1e-3 })],
    [ADAM_KERNEL, () => adamw()],
  ] as const)('runs one %s kernel a variable where the backend registers it (wasm), with the ops\' values bit for bit', (kernel, make) => {
    const registered = tf.getKernel(kernel, tf.getBackend());
    expect(registered !== undefined).toBe(backend.name === 'wasm');
    /** Three steps of `optimizer` on two variables (1,031 floats: a SIMD body and a scalar tail; a scalar), their values after. */
    const steps = (optimizer: Optimizer) => {
      const variables = tf.tidy(() => [tf.variable(tf.randomNormal([1031], 0, 1, 'float32', 1)), tf.variable(tf.scalar(0.75))]);
      for (let step = 0; step < 3; step++) {
        tf.tidy(() => optimizer.applyGradients(variables, [tf.randomNormal([1031], 0, 1, 'float32', 2 + step), tf.scalar(-0.5 * step)], { learningRate: 0.05, learningRateScales: [1, 0.1] }));
      }
      const values = variables.map((variable) => Array.from(variable.dataSync()));
      tf.dispose(variables);
      optimizer.dispose();
      return values;
    };
    if (!registered) return;
    const { calls, fused, ops } = withAndWithoutKernel(kernel, () => steps(make()));
    expect(calls).toBe(2 * 3);
    expect(fused).toEqual(ops);
  });

  it('Nesterov: θ −= lr·(g + μv)', () => {
    // step 1: update [0.95, 1.9] → θ [0.905, −2.19]; step 2: update [−1.495, 1.285] → θ [1.0545, −2.3185]
    const theta = run(sgd({ momentum: 0.9, nesterov: true }));
    expect(theta[0]).toBeCloseTo(1.0545, 6);
    expect(theta[1]).toBeCloseTo(-2.3185, 6);
  });

  it('Adam: first step moves each weight by lr·sign(g); second matches the algorithm by hand', () => {
    const optimizer = adam();
    const theta = tf.tidy(() => tf.variable(tf.tensor1d(start)));
    tf.tidy(() => optimizer.applyGradients([theta], [tf.tensor1d(gradients[0]!)], { learningRate: 0.1 }));
    expect(Array.from(theta.dataSync()).map((v) => Number(v.toFixed(5)))).toEqual([0.9, -2.1]);
    theta.dispose();
    optimizer.dispose();
    const both = run(adam());
    expect(both[0]).toBeCloseTo(adamByHand(1, [0.5, -1]), 5);
    expect(both[1]).toBeCloseTo(adamByHand(-2, [1, 0.25]), 5);
  });

  it('AdamW decays the weights outside the moments; Adam with weightDecay adds λθ to the gradient', () => {
    const decoupled = run(adamw({ weightDecay: 0.1 }));
    expect(decoupled[0]).toBeCloseTo(adamByHand(1, [0.5, -1], { decoupled: 0.1 }), 5);
    // First AdamW step by hand: θ·(1 − 0.01) − 0.1·sign(g) = [0.89, −2.08].
    expect(adamByHand(1, [0.5], { decoupled: 0.1 })).toBeCloseTo(0.89, 6);
    const coupled = run(adam({ weightDecay: 0.1 }));
    expect(coupled[0]).not.toBeCloseTo(decoupled[0]!, 4);
  });

  it('a momentum override (one-cycle) replaces β1 for that step', () => {
    const optimizer = adam();
    const theta = tf.tidy(() => tf.variable(tf.tensor1d([0])));
    tf.tidy(() => optimizer.applyGradients([theta], [tf.tensor1d([2])], { learningRate: 1, momentum: 0.5 }));
    tf.tidy(() => optimizer.applyGradients([theta], [tf.tensor1d([-1])], { learningRate: 1, momentum: 0.5 }));
    expect(theta.dataSync()[0]).toBeCloseTo(adamByHand(0, [2, -1], { lr: 1, beta1: 0.5 }), 5);
    theta.dispose();
    optimizer.dispose();
  });

  it('exported state continues exactly where it stopped', () => {
    const reference = run(adam());
    const first = adam();
    const theta = tf.tidy(() => tf.variable(tf.tensor1d(start)));
    tf.tidy(() => first.applyGradients([theta], [tf.tensor1d(gradients[0]!)], { learningRate: 0.1 }));
    const second = createOptimizer(first.config);
    second.setState(first.getState());
    first.dispose();
    expect(second.iterations).toBe(1);
    tf.tidy(() => second.applyGradients([theta], [tf.tensor1d(gradients[1]!)], { learningRate: 0.1 }));
    expect(Array.from(theta.dataSync())).toEqual(reference);
    theta.dispose();
    second.dispose();
  });

  it('rejects out-of-range hyper-parameters with the value', () => {
    expect(() => sgd({ momentum: 1.5 })).toThrow(/momentum must be a number in \[0, 1\), got 1.5/);
    expect(() => adam({ beta2: -1 })).toThrow(/beta2/);
    expect(() => createOptimizer({ name: 'rmsprop' } as never)).toThrow(/Should be one of: sgdm, adam, adamw/);
  });
});
