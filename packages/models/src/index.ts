/**
 * @digitlab/models — the digitlab model zoo (`createModel`, `listModels`), layer groups for
 * fine-tuning, save/load in the tfjs layers format plus `digitlab.json` metadata, pretrained
 * weights, LoRA / AdaLoRA / IA3 / adapter layers with model surgery (apply, merge, replace the head),
 * and serving: `foldBatchNorm` (an inference copy) and `inferenceFunction` (x ↦ logits without `predict`'s per-call bookkeeping).
 * Every zoo model takes NHWC `[batch, 28, 28, 1]` and outputs logits (no softmax layer).
 * Peers: @tensorflow/tfjs-core and @tensorflow/tfjs-layers; no backend is imported.
 * Pure for pages and Node alike: `loadModelFrom` (URL, picked files, IndexedDB) and `saveModelTo`
 * (IndexedDB, downloads) with `digitlab.json` carried along, and `pretrainedModelUrl`; model
 * folders on disk and the shipped pretrained weights by path are in `@digitlab/models/node`.
 */
export { createModel, listModels, countModelParameters } from './zoo.js';
export type { ModelName, ModelInfo } from './zoo.js';
export type { ModelOptions } from './architectures/architecture.js';
export { layerGroups } from './layer-groups.js';
export type { LayerGroup } from './layer-groups.js';
export { keepFrozenBatchNormInInference } from './frozen-batch-norm.js';
export { batchNormInTraining, BATCH_NORM_GRADIENT_KERNEL, BATCH_NORM_MOMENTS_KERNEL } from './batch-norm-training.js';
export type { BatchNormTrainingResult, MovingAverages } from './batch-norm-training.js';

export { loadModelFrom, saveModelTo } from './model-io.js';
export type { LoadModelFromOptions } from './model-io.js';
export { METADATA_JSON } from './model-artifacts.js';
export type { LoadedModel } from './model-artifacts.js';
export { pretrainedBaseUrl, pretrainedModelUrl } from './pretrained-url.js';
export { MNIST_MEAN, MNIST_STD } from './metadata.js';
export type { ModelMetadata, ModelMetadataInit, ModelInputSpec, InputNormalization } from './metadata.js';

export { LoraDense } from './lora/lora-dense.js';
export type { LoraDenseArgs } from './lora/lora-dense.js';
export { LoraConv2D } from './lora/lora-conv2d.js';
export type { LoraConv2DArgs } from './lora/lora-conv2d.js';
export { Adapter } from './lora/adapter.js';
export type { AdapterArgs } from './lora/adapter.js';
export { Ia3Dense } from './lora/ia3-dense.js';
export type { Ia3DenseArgs } from './lora/ia3-dense.js';
export { Ia3Conv2D } from './lora/ia3-conv2d.js';
export type { Ia3Conv2DArgs } from './lora/ia3-conv2d.js';
export { AdaLoraDense } from './lora/adalora-dense.js';
export type { AdaLoraDenseArgs } from './lora/adalora-dense.js';
export { AdaLoraConv2D } from './lora/adalora-conv2d.js';
export type { AdaLoraConv2DArgs } from './lora/adalora-conv2d.js';
export { adaLoraBudget, selectTriplets } from './lora/adalora-budget.js';
export type { AdaLoraSchedule } from './lora/adalora-budget.js';
export { registerCustomLayers } from './lora/register.js';
export { applyLora } from './surgery/apply-lora.js';
export type { LoraOptions } from './surgery/apply-lora.js';
export { applyIa3 } from './surgery/apply-ia3.js';
export type { Ia3Options } from './surgery/apply-ia3.js';
export { applyAdaLora } from './surgery/apply-adalora.js';
export type { AdaLoraOptions } from './surgery/apply-adalora.js';
export { addAdapters } from './surgery/add-adapters.js';
export type { AdapterOptions } from './surgery/add-adapters.js';
export { mergeLora } from './surgery/merge-lora.js';
export { foldBatchNorm } from './surgery/fold-batch-norm.js';
export { CONV2D_RESIDUAL_KERNEL, inferenceFunction } from './inference-function.js';
export { replaceHead } from './surgery/replace-head.js';

export { ModelsError, ModelOptionError, ModelFormatError, PretrainedNotFoundError } from './errors.js';
