/** The fine-tuning strategies, as plain JSON-serialisable descriptions. */

/** Names of the strategies {@link prepareFinetune} accepts. */
export const finetuneStrategyNames = ['full', 'linear-probe', 'freeze', 'gradual-unfreeze', 'discriminative', 'lora', 'adalora', 'adapter', 'ia3'] as const;
/** One of {@link finetuneStrategyNames}. */
export type FinetuneStrategyName = (typeof finetuneStrategyNames)[number];

/** Every layer trains (the head is replaced when the class count changes). */
export interface FullStrategy {
  kind: 'full';
}
/** Only the `head` group trains; the backbone is a frozen feature extractor. */
export interface LinearProbeStrategy {
  kind: 'linear-probe';
}
/** The named layers and/or layer groups (`conv1`, `stage2`, ...) are frozen; the rest trains (Keras). */
export interface FreezeStrategy {
  kind: 'freeze';
  layers: string[];
}
/**
 * fastai/ULMFiT gradual unfreezing: the first stage trains the head group only, each next stage
 * unfreezes one more group towards the input. A stage lasts one epoch (`epochsPerStage`).
 */
export interface GradualUnfreezeStrategy {
  kind: 'gradual-unfreeze';
  /** Epochs of each stage; default 1. */
  epochsPerStage?: number;
  /** Also use discriminative learning rates with this factor (default 1: one rate for all groups). */
  factor?: number;
}
/**
 * Every layer trains, group `g` at `lr · factor^(distance from the head group)` (ULMFiT's
 * discriminative fine-tuning: lower layers hold general features and should move less).
 */
export interface DiscriminativeStrategy {
  kind: 'discriminative';
  /** Default 1/2.6 ≈ 0.385 (ULMFiT). */
  factor?: number;
}
/** LoRA on the target layers; the base is frozen, the low-rank factors (and the head) train. */
export interface LoraStrategy {
  kind: 'lora';
  rank: number;
  /** Default: the rank (scale 1). */
  alpha?: number;
  /** Default 0. */
  dropout?: number;
  /** Layer names and/or `'dense'`, `'conv'`. Default: `['conv', 'dense']`. */
  targets?: string[];
  /** Train the `head` in full too (PEFT's `modules_to_save`); default true. */
  trainHead?: boolean;
}
/** Residual bottleneck adapters after the named layers; the base is frozen, adapters (and the head) train. */
export interface AdapterStrategy {
  kind: 'adapter';
  bottleneck: number;
  /** Layers to follow with an adapter. Default: the last layer of every group but the head. */
  after?: string[];
  /** Train the `head` in full too; default true. */
  trainHead?: boolean;
}

/**
 * AdaLoRA (Zhang et al. 2023): LoRA in SVD form P·diag(λ)·Q on the target layers, starting at
 * `rank` triplets per layer and pruned by importance during training, on a cubic schedule, to
 * `targetRank` per layer on average (the budget moves to the layers that need it).
 */
export interface AdaLoraStrategy {
  kind: 'adalora';
  /** Initial rank of every wrapped layer. */
  rank: number;
  /** Average rank per layer at the end; default rank / 2 (rounded down, at least 1). */
  targetRank?: number;
  /** Default: the rank. */
  alpha?: number;
  /** Layer names and/or `'dense'`, `'conv'`. Default: `['conv', 'dense']`. */
  targets?: string[];
  /** Train the `head` in full too; default true. */
  trainHead?: boolean;
  /** γ of the orthogonality penalty; default 0.1. */
  orthogonality?: number;
}

/**
 * IA3 (Liu et al. 2022): the base is frozen and the outputs of the target layers (and the inputs of
 * the target Dense layers) are rescaled by learned vectors that start at 1; those vectors (and the
 * head) train. The fewest trainable parameters of all strategies; `--merge` folds them in exactly.
 */
export interface Ia3Strategy {
  kind: 'ia3';
  /** Layer names and/or `'dense'`, `'conv'`. Default: `['conv', 'dense']`. */
  targets?: string[];
  /** Train the `head` in full too; default true. */
  trainHead?: boolean;
}

/** A fine-tuning strategy. */
export type FinetuneStrategy =
  | FullStrategy
  | LinearProbeStrategy
  | FreezeStrategy
  | GradualUnfreezeStrategy
  | DiscriminativeStrategy
  | LoraStrategy
  | AdaLoraStrategy
  | AdapterStrategy
  | Ia3Strategy;

/** ULMFiT's factor between the learning rates of neighbouring layer groups. */
export const DEFAULT_DISCRIMINATIVE_FACTOR = 1 / 2.6;
