// Optimizer updates on wasm against cpu. The whole-model gradient test runs on the real zoo in
// @digitlab/models (src/zoo-on-wasm.test.ts there: models depends on this package, not back).
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadWasm, randomValues, runOn } from './__fixtures__/backends.js';
import { adamCases, adamKernel, sgdMomentumCases, sgdMomentumKernel, type KernelCase } from './__fixtures__/kernel-cases.js';
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

describe('optimizer-update kernels', () => {
  beforeAll(async () => {
    await loadWasm();
  });

  const cases: Array<[string, KernelCase]> = [
    ...sgdMomentumCases.map((settings): [string, KernelCase] => [`DigitlabSgdMomentum ${JSON.stringify(settings)}`, sgdMomentumKernel(settings)]),
    ...adamCases.map((settings): [string, KernelCase] => [`DigitlabAdam ${JSON.stringify(settings)}`, adamKernel(settings)]),
  ];
  it.each(cases)('%s equals the op-by-op update on cpu bit for bit', async (_, [inputs, compute]) => {
    const cpu = await runOn('cpu', inputs, compute);
    const wasm = await runOn('wasm', inputs, compute);
    expect(wasm.leaked).toBe(0);
    expect(wasm.values.map((values) => Array.from(values))).toEqual(cpu.values.map((values) => Array.from(values)));
  });

  it('DigitlabSgdMomentum names a mismatched input and a bad attr', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const [theta, short, counts] = [tf.ones([4]), tf.zeros([3]), tf.zeros([4], 'int32')];
    const update = (inputs: tf.NamedTensorMap, attrs: Record<string, unknown>) => () =>
      tf.engine().runKernel('DigitlabSgdMomentum', { theta, velocity: theta, gradient: theta, ...inputs }, { momentum: 0.9, learningRate: 0.1, weightDecay: 0, nesterov: false, ...attrs } as unknown as tf.NamedAttrMap);
    expect(update({ gradient: short }, {})).toThrow('DigitlabSgdMomentum: gradient must be float32 and shaped like theta [4] (got float32 [3])');
    expect(update({ velocity: counts }, {})).toThrow('velocity must be float32 and shaped like theta [4] (got int32 [4])');
    expect(update({}, { learningRate: Number.NaN })).toThrow('attr learningRate must be a finite number (got NaN)');
    expect(update({}, { weightDecay: -1 })).toThrow('attr weightDecay must be >= 0 (got -1)');
    expect(update({}, { nesterov: 1 })).toThrow('attr nesterov must be true or false (got 1)');
    tf.dispose([theta, short, counts]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('DigitlabAdam names a mismatched input and a bad attr', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const [theta, short] = [tf.ones([4]), tf.zeros([3])];
    const settings = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, learningRate: 0.001, correction1: 0.1, correction2: 0.001, weightDecay: 0, decoupled: false };
    const update = (inputs: tf.NamedTensorMap, attrs: Record<string, unknown>) => () =>
      tf.engine().runKernel('DigitlabAdam', { theta, m: theta, v: theta, gradient: theta, ...inputs }, { ...settings, ...attrs } as unknown as tf.NamedAttrMap);
    expect(update({ v: short }, {})).toThrow('DigitlabAdam: v must be float32 and shaped like theta [4] (got float32 [3])');
    expect(update({}, { epsilon: undefined })).toThrow('attr epsilon must be a finite number (got undefined)');
    expect(update({}, { correction2: 0 })).toThrow('attr correction2 (1 − β^t) must be > 0 (got 0)');
    expect(update({}, { decoupled: 'yes' })).toThrow('attr decoupled must be true or false (got yes)');
    tf.dispose([theta, short]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('DigitlabGlobalNorm', () => {
  beforeAll(async () => {
    await loadWasm();
  });

  it('equals √(Σ x²) taken in float64, over tensors with SIMD bodies, tails and several 1,024-float blocks', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const values = [randomValues(7, 61), randomValues(3 * 3 * 16 * 32, 62).map((value) => value * 1e-3), randomValues(1, 63), randomValues(70_001, 64)];
    const tensors = values.map((v) => tf.tensor1d(v));
    const norm = tf.engine().runKernel('DigitlabGlobalNorm', Object.fromEntries(tensors.map((tensor, index) => [String(index), tensor]))) as tf.Tensor;
    let exact = 0;
    for (const v of values) for (const value of v) exact += value * value;
    expect(norm.shape).toEqual([]);
    expect(Math.abs((norm.dataSync()[0] as number) - Math.sqrt(exact)) / Math.sqrt(exact)).toBeLessThan(1e-7);
    // A non-finite gradient makes the norm non-finite (the trainer's guard reads it).
    const bad = tf.tensor1d([1, Number.NaN, 2]);
    const nan = tf.engine().runKernel('DigitlabGlobalNorm', { 0: tensors[0]!, 1: bad }) as tf.Tensor;
    expect(nan.dataSync()[0]).toBeNaN();
    const counts = tf.tensor1d([1], 'int32');
    expect(() => tf.engine().runKernel('DigitlabGlobalNorm', { 0: counts })).toThrow('DigitlabGlobalNorm: input "0" must be float32 (got int32 [1])');
    tf.dispose([...tensors, norm, bad, nan, counts]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
