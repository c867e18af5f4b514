/**
 * The LoRA, AdaLoRA, IA3 and adapter layers' gradients (from tfjs autodiff through our call()) against central
 * finite differences, on every test backend. Tolerance: float32 central differences with
 * eps = 1e-2 on a smooth (tanh) loss agree to about 1e-3 relative; we allow 2e-2.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { expect, it } from 'vitest';
import { describeEachBackend } from '../../../../test-support/each-backend.js';
import { AdaLoraConv2D } from './adalora-conv2d.js';
import { AdaLoraDense } from './adalora-dense.js';
import { Adapter } from './adapter.js';
import { Ia3Conv2D } from './ia3-conv2d.js';
import { Ia3Dense } from './ia3-dense.js';
import { LoraConv2D } from './lora-conv2d.js';
import { LoraDense } from './lora-dense.js';

const EPSILON = 1e-2;
const RELATIVE_TOLERANCE = 2e-2;

/** Compares autodiff and finite-difference gradients of sum(w ⊙ layer(x)) for the named weights. */
function checkGradients(layer: tfl.layers.Layer, input: tf.Tensor, weightNames: string[]): void {
  tf.dispose(layer.apply(input) as tf.Tensor); // builds the weights
  // Non-zero values everywhere, so no factor (B = 0, U = 0) hides a wrong gradient.
  for (const weight of layer.weights) {
    tf.tidy(() => {
      weight.write(tf.randomNormal(weight.shape as number[], 0, 0.3, 'float32', 17));
    });
  }
  const readout = tf.tidy(() => tf.randomNormal((layer.apply(input) as tf.Tensor).shape, 0, 1, 'float32', 5));
  const loss = () => tf.sum(tf.mul(layer.apply(input) as tf.Tensor, readout)) as tf.Scalar;
  for (const name of weightNames) {
    const weight = layer.weights.find((candidate) => candidate.originalName.endsWith(`/${name}`));
    if (!weight) throw new Error(`no weight ${name} in ${layer.weights.map((candidate) => candidate.originalName).join(', ')}`);
    const variable = weight.read() as tf.Variable;
    const analytic = tf.tidy(() => tf.variableGrads(loss, [variable]).grads[variable.name]!.dataSync());
    const values = variable.dataSync().slice();
    for (const index of [0, Math.floor(values.length / 2), values.length - 1]) {
      const lossAt = (delta: number) =>
        tf.tidy(() => {
          const moved = values.slice();
          moved[index] = (moved[index] ?? 0) + delta;
          variable.assign(tf.tensor(moved, variable.shape));
          return loss().dataSync()[0] ?? Number.NaN;
        });
      const numeric = (lossAt(EPSILON) - lossAt(-EPSILON)) / (2 * EPSILON);
      tf.tidy(() => variable.assign(tf.tensor(values, variable.shape)));
      const expected = analytic[index] ?? Number.NaN;
      expect(Math.abs(numeric - expected), `${layer.name}/${name}[${index}]: finite ${numeric}, autodiff ${expected}`).toBeLessThanOrEqual(
        RELATIVE_TOLERANCE * Math.max(1, Math.abs(expected)),
      );
    }
  }
  tf.dispose(readout);
  layer.dispose();
}

describeEachBackend('LoRA, AdaLoRA, IA3 and adapter gradients', () => {
  it('LoraDense: A and B', () => {
    const input = tf.randomNormal([3, 7], 0, 1, 'float32', 1);
    checkGradients(new LoraDense({ units: 5, rank: 2, alpha: 3, activation: 'tanh', seed: 1 }), input, ['lora_a', 'lora_b']);
    input.dispose();
  });

  it('LoraConv2D, strided with same padding: A and B', () => {
    const input = tf.randomNormal([2, 6, 6, 3], 0, 1, 'float32', 2);
    const layer = new LoraConv2D({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', rank: 2, alpha: 4, activation: 'tanh', seed: 2 });
    checkGradients(layer, input, ['lora_a', 'lora_b']);
    input.dispose();
  });

  it('Adapter on NHWC feature maps: down and up projections', () => {
    const input = tf.randomNormal([2, 3, 3, 6], 0, 1, 'float32', 3);
    checkGradients(new Adapter({ bottleneck: 2, seed: 3 }), input, ['down_kernel', 'down_bias', 'up_kernel', 'up_bias']);
    input.dispose();
  });

  it('Ia3Dense with input scaling: both vectors', () => {
    const input = tf.randomNormal([3, 7], 0, 1, 'float32', 4);
    checkGradients(new Ia3Dense({ units: 5, activation: 'tanh', scaleInputs: true }), input, ['ia3_scale', 'ia3_input_scale']);
    input.dispose();
  });

  it('Ia3Conv2D, strided with same padding: the channel scale', () => {
    const input = tf.randomNormal([2, 6, 6, 3], 0, 1, 'float32', 5);
    checkGradients(new Ia3Conv2D({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'tanh' }), input, ['ia3_scale']);
    input.dispose();
  });

  it('AdaLoraDense: P, λ and Q', () => {
    const input = tf.randomNormal([3, 7], 0, 1, 'float32', 6);
    checkGradients(new AdaLoraDense({ units: 5, rank: 3, alpha: 6, activation: 'tanh', seed: 6 }), input, ['ada_p', 'ada_lambda', 'ada_q']);
    input.dispose();
  });

  it('AdaLoraConv2D, strided with same padding: P, λ and Q', () => {
    const input = tf.randomNormal([2, 6, 6, 3], 0, 1, 'float32', 7);
    const layer = new AdaLoraConv2D({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', rank: 2, alpha: 4, activation: 'tanh', seed: 7 });
    checkGradients(layer, input, ['ada_p', 'ada_lambda', 'ada_q']);
    input.dispose();
  });
});
