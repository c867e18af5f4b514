import * as tf from '@tensorflow/tfjs-core';
import { TrainerOptionError } from '../errors.js';
import { learningRatesFor, type Optimizer, type OptimizerConfig, type OptimizerState, type StepHyperParameters } from './optimizer.js';
import { Slots } from './slots.js';

/** Options of {@link sgd}. */
export interface SgdOptions {
  /** μ; default 0.9. */
  momentum?: number;
  /** Nesterov momentum; default false. */
  nesterov?: boolean;
  /** Classic (coupled) L2 weight decay λ added to the gradient; default 0. */
  weightDecay?: number;
}

/**
 * Kernel name a backend registers to run one variable's update in one pass (@digitlab/backend-wasm
 * does): inputs theta, velocity, gradient; attrs momentum, learningRate, weightDecay, nesterov;
 * outputs the new θ and v, each product and sum rounded to float32 as the ops below round them.
 */
export const SGD_MOMENTUM_KERNEL = 'DigitlabSgdMomentum';

/**
 * SGD with momentum, PyTorch's formulation:
 * ```
 * g ← ∇θ + λθ
 * v ← μv + g
 * θ ← θ − lr·(nesterov ? g + μv : v)
 * ```
 * Where the current backend registers {@link SGD_MOMENTUM_KERNEL} each float32 variable's update is
 * that one kernel call (one read of θ, v, g, one write of θ, v); elsewhere the four or five ops above.
 */
export function sgd({ momentum = 0.9, nesterov = false, weightDecay = 0 }: SgdOptions = {}): Optimizer {
  checkRange('momentum', momentum, 0, 1);
  checkRange('weightDecay', weightDecay, 0, Infinity);
  const config: OptimizerConfig = { name: 'sgdm', momentum, nesterov, weightDecay };
  const slots = new Slots();
  let iterations = 0;
  return {
    config,
    get iterations() {
      return iterations;
    },
    applyGradients(variables, gradients, hyper: StepHyperParameters) {
      const mu = hyper.momentum ?? momentum;
      const learningRateOf = learningRatesFor(hyper, variables.length);
      const fused = tf.getKernel(SGD_MOMENTUM_KERNEL, tf.getBackend()) !== undefined;
      tf.tidy(() => {
        variables.forEach((theta, i) => {
          const gradient = gradients[i]!;
          const velocity = slots.get(i, 'velocity', theta);
          if (fused && theta.dtype === 'float32' && gradient.dtype === 'float32') {
            const attrs = { momentum: mu, learningRate: learningRateOf(i), weightDecay, nesterov };
            const [updated, moved] = tf.engine().runKernel(SGD_MOMENTUM_KERNEL, { theta, velocity, gradient }, attrs) as [tf.Tensor, tf.Tensor];
            velocity.assign(moved);
            theta.assign(updated);
            return;
          }
          const g = weightDecay > 0 ? tf.add(gradient, tf.mul(theta, weightDecay)) : gradient;
          const v = tf.add(tf.mul(velocity, mu), g);
          velocity.assign(v);
          const step = nesterov ? tf.add(g, tf.mul(v, mu)) : v;
          theta.assign(tf.sub(theta, tf.mul(step, learningRateOf(i))));
        });
      });
      iterations += 1;
    },
    getState: (): OptimizerState => ({ config, iterations, slots: slots.entries() }),
    setState(state) {
      slots.replace(state.slots);
      iterations = state.iterations;
    },
    dispose: () => slots.dispose(),
  };
}

/** @internal */
export function checkRange(name: string, value: number, low: number, high: number): void {
  if (!(Number.isFinite(value) && value >= low && value < high)) {
    throw new TrainerOptionError(`${name} must be a number in [${low}, ${high}), got ${String(value)}`);
  }
}
