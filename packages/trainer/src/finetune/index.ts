/**
 * Fine-tuning: strategies (full, linear probe, freeze, gradual unfreezing, discriminative learning
 * rates, LoRA, adapters), a runner over `fit`, parameter counts, and the learning-rate finder.
 */
export { finetuneStrategyNames, DEFAULT_DISCRIMINATIVE_FACTOR } from './strategy.js';
export type {
  FinetuneStrategy,
  FinetuneStrategyName,
  FullStrategy,
  LinearProbeStrategy,
  FreezeStrategy,
  GradualUnfreezeStrategy,
  DiscriminativeStrategy,
  LoraStrategy,
  AdapterStrategy,
} from './strategy.js';
export { prepareFinetune, enterStage, groupLearningRateScales } from './prepare-finetune.js';
export type { PrepareFinetuneOptions, FinetunePlan, FinetuneStage } from './prepare-finetune.js';
export { finetune } from './finetune.js';
export type { FinetuneOptions, FinetuneResult } from './finetune.js';
export { countParameters } from './parameters.js';
export type { ParameterCount } from './parameters.js';
export { lrFind, formatLrFindPlot } from './lr-find.js';
export type { LrFindOptions, LrFindPoint, LrFindResult } from './lr-find.js';
export { FinetuneError } from './finetune-error.js';
