/**
 * AdaLoRA's training-time half (Zhang et al. 2023): after every optimizer step, score each singular
 * triplet's importance from the gradient of the batch just trained on, nudge P and Q towards
 * orthogonality, and keep only the b(t) most important triplets across all layers.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { AdaLoraConv2D, AdaLoraDense, adaLoraBudget, selectTriplets, type AdaLoraSchedule } from '@digitlab/models';
import type { Callback } from '../callbacks.js';
import type { Batch } from '../train-step.js';

/** Options of {@link createAdaLoraAllocator}. */
export interface AdaLoraAllocatorOptions {
  /** Target average rank per layer: the budget ends at `targetRank × layers` triplets. */
  targetRank: number;
  /** Optimizer steps of the whole run (T). */
  totalSteps: number;
  /** Share of T at the full budget before pruning starts (t_i / T). Default 0.1. */
  warmupFraction?: number;
  /** Share of T at the target budget at the end (t_f / T). Default 0.2. */
  finalFraction?: number;
  /** β₁, β₂ of the sensitivity and uncertainty moving averages. Default 0.85 each (the paper's). */
  beta1?: number;
  beta2?: number;
  /** γ, the weight of the orthogonality penalty. Default 0.1 (the paper's). */
  orthogonality?: number;
  /** The batch the last step trained on (the allocator takes its gradient again). */
  currentBatch: () => Batch | undefined;
}

/** What {@link createAdaLoraAllocator} returns: a `fit` callback and a way to inspect it. */
export interface AdaLoraAllocator {
  callback: Callback;
  /** The budget schedule the callback follows. */
  schedule: AdaLoraSchedule;
  /** Importance S of each layer's triplets as now, `[layer][triplet]`. */
  scores(): number[][];
  /** Frees the moving averages. */
  dispose(): void;
}

/** An AdaLoRA layer: both kinds expose P, λ, Q, the mask and the orthogonality penalty. */
export type AdaLoraLayer = AdaLoraDense | AdaLoraConv2D;

/** The AdaLoRA layers of a model, in layer order. */
export function adaLoraLayers(model: tfl.LayersModel): AdaLoraLayer[] {
  return model.layers.filter((layer): layer is AdaLoraLayer => layer instanceof AdaLoraDense || layer instanceof AdaLoraConv2D);
}

/**
 * A callback that runs AdaLoRA's budget allocation on `model` while `fit` trains it. A faithful,
 * simplified version of the paper's algorithm:
 *
 *   I(w) = |w · ∂L/∂w|,  Ī ← β₁Ī + (1 − β₁)I,  Ū ← β₂Ū + (1 − β₂)|I − Ī|,  s(w) = Ī · Ū
 *   S_i  = s(λ_i) + mean_k s(P_ki) + mean_k s(Q_ik)
 *   mask ← the b(t) triplets of highest S across all layers (`selectTriplets`, `adaLoraBudget`)
 *
 * Simplifications: the gradient is taken again on the batch just trained on (after the update,
 * not before it), and the orthogonality penalty γ·Σ(‖PᵀP − I‖² + ‖QQᵀ − I‖²) is applied as a
 * separate SGD step at the step's learning rate instead of being added to the training loss.
 * A pruned triplet has no gradient (its mask is 0), so it stays pruned.
 */
export function createAdaLoraAllocator(model: tfl.LayersModel, options: AdaLoraAllocatorOptions): AdaLoraAllocator {
  const layers = adaLoraLayers(model);
  if (layers.length === 0) throw new RangeError('createAdaLoraAllocator: the model has no AdaLoRA layers; prepare it with the adalora strategy');
  const { targetRank, totalSteps, warmupFraction = 0.1, finalFraction = 0.2, beta1 = 0.85, beta2 = 0.85, orthogonality = 0.1 } = options;
  const rank = layers[0]!.rank;
  const schedule: AdaLoraSchedule = {
    initialBudget: layers.reduce((sum, layer) => sum + layer.rank, 0),
    targetBudget: Math.min(rank, targetRank) * layers.length,
    totalSteps,
    warmupSteps: Math.floor(warmupFraction * totalSteps),
    finalSteps: Math.floor(finalFraction * totalSteps),
  };
  adaLoraBudget(0, schedule); // validates the budgets
  // Per weight (P, λ, Q of every layer): the smoothed sensitivity Ī and the uncertainty Ū.
  const variables = layers.flatMap((layer) => [layer.p!, layer.lambda!, layer.q!].map((weight) => weight.read() as tf.Variable));
  let smoothed: tf.Tensor[] = variables.map((variable) => tf.zerosLike(variable));
  let uncertainty: tf.Tensor[] = variables.map((variable) => tf.zerosLike(variable));

  const scores = (): number[][] =>
    tf.tidy(() =>
      layers.map((_, index) => {
        const s = (offset: number) => tf.mul(smoothed[3 * index + offset]!, uncertainty[3 * index + offset]!);
        const rank = layers[index]!.rank;
        // P as [fan-in, r] and Q as [r, fan-out], for the conv layers' 4-D factors too.
        const total = tf.add(tf.add(s(1), tf.mean(tf.reshape(s(0), [-1, rank]), 0)), tf.mean(tf.reshape(s(2), [rank, -1]), 1));
        return Array.from(total.dataSync());
      }),
    );

  const callback: Callback = {
    onBatchEnd: (logs) => {
      const batch = options.currentBatch();
      if (!batch) return;
      tf.tidy(() => {
        const lossOf = () => tf.losses.softmaxCrossEntropy(batch.ys, model.apply(batch.xs, { training: true }) as tf.Tensor) as tf.Scalar;
        const { grads } = tf.variableGrads(lossOf, variables);
        const nextSmoothed: tf.Tensor[] = [];
        const nextUncertainty: tf.Tensor[] = [];
        variables.forEach((variable, index) => {
          const sensitivity = tf.abs(tf.mul(variable, grads[variable.name]!));
          const average = tf.add(tf.mul(smoothed[index]!, beta1), tf.mul(sensitivity, 1 - beta1));
          nextUncertainty.push(tf.keep(tf.add(tf.mul(uncertainty[index]!, beta2), tf.mul(tf.abs(tf.sub(sensitivity, average)), 1 - beta2))));
          nextSmoothed.push(tf.keep(average));
        });
        tf.dispose([...smoothed, ...uncertainty]);
        smoothed = nextSmoothed;
        uncertainty = nextUncertainty;
        if (orthogonality > 0) {
          const factors = layers.flatMap((layer) => [layer.p!.read() as tf.Variable, layer.q!.read() as tf.Variable]);
          const penalty = tf.variableGrads(() => tf.mul(tf.addN(layers.map((layer) => layer.orthogonalityPenalty())), orthogonality) as tf.Scalar, factors);
          for (const factor of factors) factor.assign(tf.sub(factor, tf.mul(penalty.grads[factor.name]!, logs.learningRate)));
        }
      });
      const budget = adaLoraBudget(logs.step, schedule);
      if (budget < schedule.initialBudget) {
        const masks = selectTriplets(scores(), budget);
        layers.forEach((layer, index) => {
          const mask = tf.tensor1d(masks[index]!);
          layer.mask!.write(mask);
          mask.dispose();
        });
      }
    },
  };
  return {
    callback,
    schedule,
    scores,
    dispose: () => tf.dispose([...smoothed, ...uncertainty]),
  };
}

/**
 * Wraps a batch source so that the batch `fit` is training on stays readable after `fit` disposes
 * it (a cheap ref-counted clone), for the allocator's second gradient.
 */
export function trackCurrentBatch(train: (epoch: number) => Iterable<Batch>): {
  source: (epoch: number) => Iterable<Batch>;
  current: () => Batch | undefined;
  dispose: () => void;
} {
  let current: Batch | undefined;
  const release = () => {
    if (current) tf.dispose([current.xs, current.ys]);
    current = undefined;
  };
  return {
    source: (epoch) => {
      const batches = train(epoch);
      return {
        *[Symbol.iterator]() {
          for (const batch of batches) {
            release();
            current = { xs: tf.clone(batch.xs), ys: tf.clone(batch.ys), size: batch.size };
            yield batch;
          }
        },
      };
    },
    current: () => current,
    dispose: release,
  };
}
