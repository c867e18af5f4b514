// Optimizer updates on wasm against cpu. The whole-model gradient test runs on the real zoo in
// @digitlab/models (src/zoo-on-wasm.test.ts there: models depends on this package, not back).
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadWasm } from './__fixtures__/backends.js';
import { relativeError, tolerances } from './tolerances.js';

describe('optimizer updates agree with the cpu backend', () => {
  beforeAll(async () => {
    await loadWasm();
  });

  it.each(['sgd-momentum', 'adam', 'adamw'])('%s: three steps', async (name) => {
    const run = async (backend: 'cpu' | 'wasm') => {
      await tf.setBackend(backend);
      let afterFirstStep = 0;
      const weights = tf.variable(tf.tensor2d([[0.5, -1.5, 2], [0.25, 0, -0.75]]));
      const optimizer = name === 'sgd-momentum' ? tf.train.momentum(0.1, 0.9) : tf.train.adam(0.05, 0.9, 0.999, 1e-7);
      for (let step = 1; step <= 3; step++) {
        tf.tidy(() => {
          const grads = tf.variableGrads(() => tf.sum(tf.mul(tf.square(weights), tf.scalar(step))) as tf.Scalar);
          optimizer.applyGradients(grads.grads as tf.NamedTensorMap as { [name: string]: tf.Variable });
          // AdamW: decay decoupled from the adaptive step, w ← w − lr·λ·w.
          if (name === 'adamw') weights.assign(tf.sub(weights, tf.mul(weights, tf.scalar(0.05 * 0.01))));
        });
        // The first step creates the optimizer's slots (and tfjs keeps a few constants past
        // dispose()); after it, a step must not add any tensor.
        if (step === 1) afterFirstStep = tf.memory().numTensors;
      }
      const leaked = tf.memory().numTensors - afterFirstStep;
      const values = (await weights.data()) as Float32Array;
      optimizer.dispose();
      weights.dispose();
      return { values, leaked };
    };
    const cpu = await run('cpu');
    const wasm = await run('wasm');
    expect(wasm.leaked).toBe(0);
    expect(relativeError(wasm.values, cpu.values)).toBeLessThan(tolerances.kernel);
  });
});
