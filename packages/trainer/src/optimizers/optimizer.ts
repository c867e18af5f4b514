/**
 * The contract our optimizers share. They are written out in plain tensor math (not tf.train.*)
 * so the update rule is readable, and their state (step count + slot tensors such as momentum)
 * can be exported into a checkpoint and restored exactly.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { TrainerOptionError } from '../errors.js';

/** Hyper-parameters that may change every step (from a schedule). */
export interface StepHyperParameters {
  learningRate: number;
  /** Overrides SGD's μ or Adam's β1 for this step (one-cycle momentum cycling). */
  momentum?: number;
  /**
   * Per-variable multipliers of `learningRate`: variable `i` is updated with `learningRate · learningRateScales[i]`
   * (discriminative learning rates). Omitted: every variable gets `learningRate`. Must have one entry per variable.
   */
  learningRateScales?: readonly number[];
}

/**
 * The learning rate of variable `index`: `learningRate · learningRateScales[index]`, validating the scales' length once per call.
 * @internal
 */
export function learningRatesFor(hyper: StepHyperParameters, count: number): (index: number) => number {
  const { learningRate, learningRateScales } = hyper;
  if (!learningRateScales) return () => learningRate;
  if (learningRateScales.length !== count) {
    throw new TrainerOptionError(`learningRateScales has ${learningRateScales.length} entries but there are ${count} trainable variables; give one scale per variable, in model.trainableWeights order`);
  }
  return (index) => learningRate * learningRateScales[index]!;
}

/** The serialisable configuration of an optimizer. */
export type OptimizerConfig =
  | { name: 'sgdm'; momentum: number; nesterov: boolean; weightDecay: number }
  | { name: 'adam'; beta1: number; beta2: number; epsilon: number; weightDecay: number }
  | { name: 'adamw'; beta1: number; beta2: number; epsilon: number; weightDecay: number };

/** Names of the optimizers we offer. */
export const optimizerNames = ['sgdm', 'adam', 'adamw'] as const;
/** One of {@link optimizerNames}. */
export type OptimizerName = (typeof optimizerNames)[number];

/**
 * Everything needed to continue exactly where an optimizer stopped. `slots` maps
 * `"<variable index>/<slot>"` (e.g. `"3/m"`) to a tensor owned by the optimizer: do not dispose it.
 */
export interface OptimizerState {
  config: OptimizerConfig;
  /** Updates applied so far (Adam's t). */
  iterations: number;
  slots: Record<string, tf.Tensor>;
}

/** An optimizer: one update rule over a fixed, ordered list of variables. */
export interface Optimizer {
  readonly config: OptimizerConfig;
  /** Updates applied so far. */
  readonly iterations: number;
  /**
   * Applies one update `θ ← θ − lr·(...)` to each variable in place. `gradients[i]` belongs to
   * `variables[i]`; the order must stay the same from step to step (slots are kept by index).
   */
  applyGradients(variables: readonly tf.Variable[], gradients: readonly tf.Tensor[], hyper: StepHyperParameters): void;
  /** The current state; its tensors stay owned by the optimizer. */
  getState(): OptimizerState;
  /** Replaces the state with a copy of `state` (which the caller still owns). */
  setState(state: OptimizerState): void;
  /** Frees the slot tensors. */
  dispose(): void;
}
