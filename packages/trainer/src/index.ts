/**
 * @digitlab/trainer — a composable training loop for digit models on TensorFlow.js:
 * - `trainStep`: forward, softmax cross-entropy (label smoothing, L2), gradients, global-norm
 *   clipping, optimizer update, with a NaN/Inf guard; `fit`: epochs, validation, model selection,
 *   early stopping, checkpoints (`best`, `last`) in any `CheckpointStore`, exact resume, callbacks,
 *   a moving average of the weights (`ema`).
 * - Optimizers with exportable state: `sgd` (momentum, Nesterov), `adam`, `adamw`.
 * - Schedules as pure functions of the step: constant, step, cosine, one-cycle, with warm-up.
 * - Metrics: `evaluate`, `confusionMatrix`, `classificationReport`; ensembles: `createEnsemble`,
 *   `evaluateEnsemble` (the ensemble and each member in one pass).
 * Peers: @tensorflow/tfjs-core and @tensorflow/tfjs-layers; no backend is imported. Pure for pages
 * and Node alike: checkpoint folders and `fit`'s `checkpointDirectory` are in `@digitlab/trainer/node`.
 */
export { trainStep, trainStepAsync } from './train-step.js';
export type { Batch, LossFunction, TrainStepOptions, TrainStepResult } from './train-step.js';
export { fit } from './fit.js';
export type { BatchSource, FitOptions, FitResult } from './fit.js';
export type { Callback, BatchLogs, EpochLogs, TrainingControl } from './callbacks.js';
export { softmaxCrossEntropy, accuracy, l2Penalty } from './loss.js';
export { globalNorm, clipByGlobalNorm, GLOBAL_NORM_KERNEL } from './clip.js';
export { sgd, SGD_MOMENTUM_KERNEL } from './optimizers/sgd.js';
export type { SgdOptions } from './optimizers/sgd.js';
export { adam, adamw, ADAM_KERNEL } from './optimizers/adam.js';
export type { AdamOptions } from './optimizers/adam.js';
export { createOptimizer } from './optimizers/create-optimizer.js';
export { optimizerNames } from './optimizers/optimizer.js';
export type { Optimizer, OptimizerConfig, OptimizerName, OptimizerState, StepHyperParameters } from './optimizers/optimizer.js';
export { learningRateAt, momentumAt, scheduleKinds, validateSchedule } from './schedules.js';
export type { ScheduleConfig, ScheduleKind, ConstantSchedule, StepSchedule, CosineSchedule, OneCycleSchedule } from './schedules.js';
export { evaluate, EvaluationTally } from './evaluate.js';
export type { Evaluation, EvaluateOptions, Misclassified, Predictor } from './evaluate.js';
export { confusionMatrix, classificationReport, formatClassificationReport } from './metrics.js';
export type { ClassMetrics, ClassificationReport } from './metrics.js';
export { createEnsemble, evaluateEnsemble } from './ensemble.js';
export type { EnsembleEvaluation } from './ensemble.js';
export { writeCheckpoint, applyCheckpoint, decodeWeightAverage, validateTrainerState } from './checkpoint.js';
export type { TrainerState, CheckpointName, CheckpointStore, CheckpointContents, LoadedCheckpoint, EncodedTensors } from './checkpoint.js';
export { CHECKPOINT_DATABASE, indexedDbCheckpointStore } from './indexed-db-checkpoint-store.js';
export type { IndexedDbCheckpointStoreOptions } from './indexed-db-checkpoint-store.js';
export { WeightAverage, validateAverageDecay } from './weight-average.js';
export { deriveSeed } from './random.js';
export { TrainerError, NonFiniteLossError, CheckpointError, TrainerOptionError } from './errors.js';
export { datasetBatches } from './dataset-source.js';
// Fine-tuning: strategies, a runner over `fit`, parameter counts, the learning-rate finder.
export { finetuneStrategyNames, DEFAULT_DISCRIMINATIVE_FACTOR } from './finetune/strategy.js';
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
  Ia3Strategy,
  AdaLoraStrategy,
} from './finetune/strategy.js';
export { createAdaLoraAllocator, adaLoraLayers } from './finetune/adalora-allocator.js';
export type { AdaLoraAllocator, AdaLoraAllocatorOptions } from './finetune/adalora-allocator.js';
export { finetuneDefaults } from './finetune/defaults.js';
export type { FinetuneDefaults } from './finetune/defaults.js';
export { prepareFinetune, enterStage, groupLearningRateScales } from './finetune/prepare-finetune.js';
export type { PrepareFinetuneOptions, FinetunePlan, FinetuneStage } from './finetune/prepare-finetune.js';
export { finetune } from './finetune/finetune.js';
export type { FinetuneOptions, FinetuneResult } from './finetune/finetune.js';
export { countParameters } from './finetune/parameters.js';
export type { ParameterCount } from './finetune/parameters.js';
export { lrFind, formatLrFindPlot } from './finetune/lr-find.js';
export type { LrFindOptions, LrFindPoint, LrFindResult } from './finetune/lr-find.js';
export { FinetuneError } from './finetune/finetune-error.js';
