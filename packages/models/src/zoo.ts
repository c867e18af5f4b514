import type * as tfl from '@tensorflow/tfjs-layers';
import type { Architecture, ModelOptions, ResolvedModelOptions } from './architectures/architecture.js';
import { bnCnn } from './architectures/bn-cnn.js';
import { fastBnCnn, fastCnn } from './architectures/fast-cnn.js';
import { mlp } from './architectures/mlp.js';
import { resnet18, resnetMini } from './architectures/resnet.js';
import { seedCnn } from './architectures/seed-cnn.js';
import { ModelOptionError } from './errors.js';
import { keepFrozenBatchNormInInference } from './frozen-batch-norm.js';

const architectures: readonly Architecture[] = [seedCnn, fastCnn, fastBnCnn, bnCnn, resnetMini, resnet18, mlp];

/** The names `createModel` accepts. */
export type ModelName = 'seed-cnn' | 'fast-cnn' | 'fast-bn-cnn' | 'bn-cnn' | 'resnet-mini' | 'resnet18' | 'mlp';

/** One zoo entry as `listModels` describes it. */
export interface ModelInfo {
  name: ModelName;
  description: string;
  /** All weights, trainable and batch-norm statistics, for the default options. */
  parameters: number;
  /** NHWC without the batch axis. */
  inputShape: [number, number, number];
}

function resolve(options: ModelOptions = {}): ResolvedModelOptions {
  const { seed, numClasses = 10, inputShape = [28, 28, 1] } = options;
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new ModelOptionError(`numClasses must be a positive integer, got ${JSON.stringify(numClasses)}`);
  }
  if (inputShape.length !== 3 || !inputShape.every((size) => Number.isInteger(size) && size > 0)) {
    throw new ModelOptionError(`inputShape must be [height, width, channels] of positive integers (NHWC), got ${JSON.stringify(inputShape)}`);
  }
  if (seed !== undefined && !Number.isFinite(seed)) throw new ModelOptionError(`seed must be a finite number, got ${String(seed)}`);
  return { seed, numClasses, inputShape: [...inputShape] };
}

function find(name: string): Architecture {
  const architecture = architectures.find((candidate) => candidate.name === name);
  if (!architecture) {
    throw new ModelOptionError(`Unknown model: "${name}". Should be one of: ${architectures.map((entry) => entry.name).join(', ')}`);
  }
  return architecture;
}

/**
 * Builds a fresh zoo model. Input: NHWC `[batch, ...inputShape]`, normalised as the trainer
 * records in `digitlab.json` (`mnist` mean/std or `unit` [0, 1]). Output: **logits** — there is no
 * softmax layer; apply softmax cross-entropy to train and softmax to read probabilities.
 * Layer names are stable (`conv1`, `stage2_block1_conv1`, `head`, ...): fine-tuning addresses them.
 * Frozen batch-norm layers run in inference mode (see `keepFrozenBatchNormInInference`).
 * @param name one of `listModels()`'s names
 * @param options seed (same seed → same weights), numClasses (default 10), inputShape (default [28, 28, 1])
 * @throws ModelOptionError for an unknown name or bad options
 */
export function createModel(name: ModelName | (string & {}), options?: ModelOptions): tfl.LayersModel {
  const architecture = find(name);
  return keepFrozenBatchNormInInference(architecture.build(resolve(options)));
}

/** Describes every zoo model (default options). Allocates nothing: counts come from shape arithmetic. */
export function listModels(): ModelInfo[] {
  const defaults = resolve();
  return architectures.map((architecture) => ({
    name: architecture.name as ModelName,
    description: architecture.description,
    parameters: architecture.parameters(defaults),
    inputShape: [...defaults.inputShape],
  }));
}

/** Parameter count of a zoo model for the given options, without building it. */
export function countModelParameters(name: ModelName | (string & {}), options?: ModelOptions): number {
  return find(name).parameters(resolve(options));
}
