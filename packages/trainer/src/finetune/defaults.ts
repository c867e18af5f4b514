import type { FinetuneStrategyName } from './strategy.js';

/** Epochs and peak learning rate (Adam, cosine decay) a strategy trains with when the caller gives none. */
export interface FinetuneDefaults {
  epochs: number;
  learningRate: number;
}

/**
 * Per-strategy defaults, chosen on a held-out handwriting style with about 1,000 images
 * (`packages/trainer/bench/finetune-defaults.mjs`, figures in the README). Strategies that train
 * few, freshly initialised parameters (LoRA, IA3, adapters, the head alone) need a higher rate and
 * more epochs than those that move the whole pretrained network, which a high rate would wreck.
 * AdaLoRA's λ start at zero and its budget is pruned as it trains: it takes a higher rate than LoRA.
 * Measured: full, linear-probe, lora, adalora, adapter, ia3; freeze, gradual-unfreeze and
 * discriminative (which also move pretrained weights) take full fine-tuning's settings.
 */
export const finetuneDefaults: Readonly<Record<FinetuneStrategyName, FinetuneDefaults>> = {
  full: { epochs: 8, learningRate: 1e-3 },
  'linear-probe': { epochs: 10, learningRate: 1e-2 },
  freeze: { epochs: 8, learningRate: 1e-3 },
  'gradual-unfreeze': { epochs: 8, learningRate: 1e-3 },
  discriminative: { epochs: 8, learningRate: 1e-3 },
  lora: { epochs: 10, learningRate: 1e-2 },
  adalora: { epochs: 10, learningRate: 2e-2 },
  adapter: { epochs: 10, learningRate: 3e-3 },
  ia3: { epochs: 10, learningRate: 2e-2 },
};
