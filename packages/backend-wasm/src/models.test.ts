import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadWasm } from './__fixtures__/backends.js';
import { mnistSlice } from './__fixtures__/mnist-slice.js';
import { bnCnn, fastCnn, mlp, resnet, seedCnn } from './__fixtures__/zoo-models.js';
import { relativeError, tolerances } from './tolerances.js';

const batch = 3;

/** Loss and every trainable variable's gradient of one training-mode step, on `backend`. */
async function gradients(backend: 'cpu' | 'wasm', model: tfl.LayersModel, labelSmoothing: number): Promise<{ loss: number; grads: Map<string, Float32Array>; leaked: number }> {
  await tf.setBackend(backend);
  const { images, labels } = mnistSlice(batch);
  const before = tf.memory().numTensors;
  const { value, grads } = tf.tidy(() => {
    const x = tf.tensor4d(images, [batch, 28, 28, 1]);
    const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 10);
    return tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor, undefined, labelSmoothing) as tf.Scalar);
  });
  const result = new Map<string, Float32Array>();
  for (const [name, grad] of Object.entries(grads)) result.set(name, (await grad.data()) as Float32Array);
  const loss = (await value.data())[0] as number;
  tf.dispose([value, ...Object.values(grads)]);
  return { loss, grads: result, leaked: tf.memory().numTensors - before };
}

describe.each([
  { name: 'seed-cnn', build: seedCnn, labelSmoothing: 0 },
  { name: 'fast-cnn', build: fastCnn, labelSmoothing: 0.1 },
  { name: 'bn-cnn', build: bnCnn, labelSmoothing: 0 },
  { name: 'mlp', build: mlp, labelSmoothing: 0.1 },
  { name: 'resnet (ResNet-mini layout, widths 4-8-8-16)', build: () => resnet([4, 8, 8, 16]), labelSmoothing: 0 },
])('$name: full gradient on 3 real MNIST images', ({ build, labelSmoothing }) => {
  beforeAll(async () => {
    await loadWasm();
  });

  it('matches the cpu backend for every trainable variable', async () => {
    await tf.setBackend('cpu');
    const model = build();
    const cpu = await gradients('cpu', model, labelSmoothing);
    const wasm = await gradients('wasm', model, labelSmoothing);
    expect(wasm.leaked).toBe(0);
    expect(Number.isFinite(cpu.loss)).toBe(true);
    expect(Math.abs(wasm.loss - cpu.loss) / Math.abs(cpu.loss)).toBeLessThan(tolerances.modelGradient);
    expect([...wasm.grads.keys()].sort()).toEqual([...cpu.grads.keys()].sort());
    expect(cpu.grads.size).toBe(model.trainableWeights.length);
    for (const [name, expected] of cpu.grads) {
      // A gradient that is zero everywhere would make the comparison vacuous.
      expect(expected.some((value) => value !== 0), `${name} has a non-zero gradient`).toBe(true);
      expect(relativeError(wasm.grads.get(name) as Float32Array, expected), name).toBeLessThan(tolerances.modelGradient);
    }
    model.dispose();
  });
});

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
