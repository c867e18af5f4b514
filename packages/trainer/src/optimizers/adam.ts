import * as tf from '@tensorflow/tfjs-core';
import { learningRatesFor, type Optimizer, type OptimizerConfig, type OptimizerState, type StepHyperParameters } from './optimizer.js';
import { Slots } from './slots.js';
import { checkRange } from './sgd.js';

/**
 * Kernel name a backend registers to run one variable's Adam / AdamW update in one pass
 * (@digitlab/backend-wasm does): inputs theta, m, v, gradient; attrs beta1, beta2, epsilon,
 * learningRate, correction1 (1 − β1^t), correction2 (1 − β2^t), weightDecay, decoupled; outputs the
 * new θ, m and v, each operation rounded to float32 as the ops below round it. Where the current
 * backend registers it, {@link adam} and {@link adamw} make one call a float32 variable instead of 12-15 ops.
 */
export const ADAM_KERNEL = 'DigitlabAdam';

/** Options of {@link adam} and {@link adamw}. */
export interface AdamOptions {
  /** Default 0.9. */
  beta1?: number;
  /** Default 0.999. */
  beta2?: number;
  /** Default 1e-8. */
  epsilon?: number;
  /** λ: coupled L2 for {@link adam} (added to the gradient), decoupled for {@link adamw}. Default 0 (adam), 0.01 (adamw). */
  weightDecay?: number;
}

/**
 * Adam (Kingma & Ba 2015), PyTorch's formulation, with optional coupled L2:
 * ```
 * g ← ∇θ + λθ;  t ← t + 1
 * m ← β1·m + (1 − β1)·g
 * v ← β2·v + (1 − β2)·g²
 * θ ← θ − lr · (m / (1 − β1^t)) / (√(v / (1 − β2^t)) + ε)
 * ```
 */
export function adam(options: AdamOptions = {}): Optimizer {
  return adamFamily('adam', { weightDecay: 0, ...options });
}

/**
 * AdamW (Loshchilov & Hutter 2019): Adam with decoupled weight decay, applied to the weights
 * rather than mixed into the gradient's moments: `θ ← θ − lr·λ·θ`, then the Adam step with `g = ∇θ`.
 */
export function adamw(options: AdamOptions = {}): Optimizer {
  return adamFamily('adamw', { weightDecay: 0.01, ...options });
}

function adamFamily(name: 'adam' | 'adamw', { beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8, weightDecay = 0 }: AdamOptions): Optimizer {
  checkRange('beta1', beta1, 0, 1);
  checkRange('beta2', beta2, 0, 1);
  checkRange('epsilon', epsilon, 0, Infinity);
  checkRange('weightDecay', weightDecay, 0, Infinity);
  const config: OptimizerConfig = { name, beta1, beta2, epsilon, weightDecay };
  const slots = new Slots();
  let iterations = 0;
  return {
    config,
    get iterations() {
      return iterations;
    },
    applyGradients(variables, gradients, hyper: StepHyperParameters) {
      const { momentum } = hyper;
      const learningRateOf = learningRatesFor(hyper, variables.length);
      const t = iterations + 1;
      const b1 = momentum ?? beta1;
      const correction1 = 1 - b1 ** t;
      const correction2 = 1 - beta2 ** t;
      const fused = tf.getKernel(ADAM_KERNEL, tf.getBackend()) !== undefined;
      tf.tidy(() => {
        variables.forEach((theta, i) => {
          const gradient = gradients[i]!;
          const mSlot = slots.get(i, 'm', theta);
          const vSlot = slots.get(i, 'v', theta);
          if (fused && theta.dtype === 'float32' && gradient.dtype === 'float32') {
            const attrs = { beta1: b1, beta2, epsilon, learningRate: learningRateOf(i), correction1, correction2, weightDecay, decoupled: name === 'adamw' };
            const [updated, m, v] = tf.engine().runKernel(ADAM_KERNEL, { theta, m: mSlot, v: vSlot, gradient }, attrs) as [tf.Tensor, tf.Tensor, tf.Tensor];
            mSlot.assign(m);
            vSlot.assign(v);
            theta.assign(updated);
            return;
          }
          const g = name === 'adam' && weightDecay > 0 ? tf.add(gradient, tf.mul(theta, weightDecay)) : gradient;
          const m = tf.add(tf.mul(mSlot, b1), tf.mul(g, 1 - b1));
          const v = tf.add(tf.mul(vSlot, beta2), tf.mul(tf.square(g), 1 - beta2));
          mSlot.assign(m);
          vSlot.assign(v);
          const learningRate = learningRateOf(i);
          const decayed = name === 'adamw' && weightDecay > 0 ? tf.sub(theta, tf.mul(theta, learningRate * weightDecay)) : theta;
          const step = tf.div(tf.div(m, correction1), tf.add(tf.sqrt(tf.div(v, correction2)), epsilon));
          theta.assign(tf.sub(decayed, tf.mul(step, learningRate)));
        });
      });
      iterations = t;
    },
    getState: (): OptimizerState => ({ config, iterations, slots: slots.entries() }),
    setState(state) {
      slots.replace(state.slots);
      iterations = state.iterations;
    },
    dispose: () => slots.dispose(),
  };
}
