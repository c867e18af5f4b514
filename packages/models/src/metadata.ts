import { version_core } from '@tensorflow/tfjs-core';
import { ModelFormatError, ModelOptionError } from './errors.js';
import { packageVersion } from './version.js';

/** How pixels in [0, 255] become model inputs: `mnist` is (x/255 − mean)/std, `unit` is x/255. */
export type InputNormalization = 'mnist' | 'unit';

/** Mean of the MNIST training pixels scaled to [0, 1]: the `mnist` normalisation default. */
export const MNIST_MEAN = 0.1307;
/** Standard deviation of the MNIST training pixels scaled to [0, 1]: the `mnist` normalisation default. */
export const MNIST_STD = 0.3081;

/** What a model expects as input. */
export interface ModelInputSpec {
  /** NHWC without the batch axis, e.g. `[28, 28, 1]`. */
  shape: [number, number, number];
  normalization: InputNormalization;
  /** Present for `mnist` normalisation. */
  mean?: number;
  std?: number;
}

/** The contents of `digitlab.json`, saved beside `model.json`. */
export interface ModelMetadata {
  format: 'digitlab-model';
  formatVersion: 1;
  /** Zoo name (`seed-cnn`, ...) or a name of the user's choosing for a custom model. */
  architecture: string;
  /** One label per output unit, in order. */
  labels: string[];
  input: ModelInputSpec;
  /** The model outputs logits; apply softmax for probabilities. */
  outputs: 'logits';
  /** The training configuration that produced the weights (free-form JSON, written by the trainer). */
  training?: Record<string, unknown>;
  /** Evaluation results, e.g. `{ testAccuracy: 0.9921 }`. */
  metrics?: Record<string, unknown>;
  /** For a fine-tuned model: what it was fine-tuned from (free-form JSON). */
  base?: Record<string, unknown>;
  versions: { tfjs: string; '@digitlab/models': string };
  /** ISO 8601. */
  createdAt: string;
}

/**
 * What a caller passes to `saveModel`; the rest is filled in. `labels` defaults to `'0'…'9'` for a
 * 10-class model; `input.shape` defaults to the model's input shape; `mnist` normalisation defaults
 * its mean/std to the MNIST values.
 */
export interface ModelMetadataInit {
  architecture: string;
  labels?: string[];
  input: { normalization: InputNormalization; shape?: [number, number, number]; mean?: number; std?: number };
  training?: Record<string, unknown>;
  metrics?: Record<string, unknown>;
  base?: Record<string, unknown>;
}

/**
 * Completes `init` into the metadata saved with a model of the given input shape and class count.
 * @internal
 */
export function completeMetadata(init: ModelMetadataInit, modelInputShape: [number, number, number], numOutputs: number, file: string): ModelMetadata {
  const labels = init.labels ?? (numOutputs === 10 ? Array.from({ length: 10 }, (_, digit) => String(digit)) : undefined);
  if (!labels) {
    throw new ModelOptionError(`saveModel: the model has ${numOutputs} outputs, so metadata.labels must list ${numOutputs} labels (only 10-output models default to the digits '0'..'9')`);
  }
  const { normalization } = init.input;
  const input: ModelInputSpec = { shape: init.input.shape ?? modelInputShape, normalization };
  if (normalization === 'mnist') {
    input.mean = init.input.mean ?? MNIST_MEAN;
    input.std = init.input.std ?? MNIST_STD;
  }
  const metadata: ModelMetadata = {
    format: 'digitlab-model',
    formatVersion: 1,
    architecture: init.architecture,
    labels,
    input,
    outputs: 'logits',
    ...(init.training ? { training: init.training } : {}),
    ...(init.metrics ? { metrics: init.metrics } : {}),
    ...(init.base ? { base: init.base } : {}),
    versions: { tfjs: version_core, '@digitlab/models': packageVersion },
    createdAt: new Date().toISOString(),
  };
  validateMetadata(metadata, file, (problem) => {
    throw new ModelOptionError(`saveModel: invalid metadata for ${file}: ${problem}`);
  });
  if (metadata.labels.length !== numOutputs) {
    throw new ModelOptionError(`saveModel: metadata.labels has ${metadata.labels.length} labels but the model has ${numOutputs} outputs; give one label per output unit`);
  }
  if (JSON.stringify(metadata.input.shape) !== JSON.stringify(modelInputShape)) {
    throw new ModelOptionError(`saveModel: metadata.input.shape ${JSON.stringify(metadata.input.shape)} differs from the model's input shape ${JSON.stringify(modelInputShape)}; omit it to use the model's`);
  }
  return metadata;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks that `value` is well-formed `digitlab.json` content. The first bad field goes to `fail`;
 * by default a ModelFormatError naming `file` (reading), `saveModel` reports it as a bad argument.
 * @internal
 */
export function validateMetadata(
  value: unknown,
  file: string,
  fail: (problem: string) => never = (problem) => {
    throw new ModelFormatError(file, `${file} is not valid digitlab model metadata: ${problem}. Re-save the model with saveModel() from @digitlab/models.`);
  },
): asserts value is ModelMetadata {
  if (!isRecord(value)) return fail('expected a JSON object');
  if (value.format !== 'digitlab-model') fail(`"format" must be "digitlab-model", got ${JSON.stringify(value.format)}`);
  if (value.formatVersion !== 1) {
    fail(`"formatVersion" ${JSON.stringify(value.formatVersion)} is not supported (this @digitlab/models ${packageVersion} reads version 1; upgrade @digitlab/models to read newer files)`);
  }
  if (typeof value.architecture !== 'string' || value.architecture === '') fail(`"architecture" must be a non-empty string, got ${JSON.stringify(value.architecture)}`);
  if (!Array.isArray(value.labels) || value.labels.length === 0 || !value.labels.every((label) => typeof label === 'string')) {
    fail(`"labels" must be a non-empty array of strings, got ${JSON.stringify(value.labels)}`);
  }
  const input = value.input;
  if (!isRecord(input)) return fail('"input" must be an object with shape and normalization');
  if (!Array.isArray(input.shape) || input.shape.length !== 3 || !input.shape.every((size) => Number.isInteger(size) && (size as number) > 0)) {
    fail(`"input.shape" must be [height, width, channels] of positive integers, got ${JSON.stringify(input.shape)}`);
  }
  if (input.normalization !== 'mnist' && input.normalization !== 'unit') fail(`"input.normalization" must be "mnist" or "unit", got ${JSON.stringify(input.normalization)}`);
  if (input.normalization === 'mnist') {
    if (typeof input.mean !== 'number' || !Number.isFinite(input.mean)) fail(`"input.mean" must be a finite number for mnist normalisation, got ${JSON.stringify(input.mean)}`);
    if (typeof input.std !== 'number' || !(input.std > 0)) fail(`"input.std" must be a positive number for mnist normalisation, got ${JSON.stringify(input.std)}`);
  }
  if (value.outputs !== 'logits') fail(`"outputs" must be "logits", got ${JSON.stringify(value.outputs)}`);
  for (const key of ['training', 'metrics', 'base'] as const) {
    if (value[key] !== undefined && !isRecord(value[key])) fail(`"${key}" must be an object when present, got ${JSON.stringify(value[key])}`);
  }
  const versions = value.versions;
  if (!isRecord(versions) || typeof versions.tfjs !== 'string' || typeof versions['@digitlab/models'] !== 'string') {
    fail(`"versions" must be { tfjs, "@digitlab/models" } strings, got ${JSON.stringify(versions)}`);
  }
  if (typeof value.createdAt !== 'string' || Number.isNaN(Date.parse(value.createdAt))) fail(`"createdAt" must be an ISO date, got ${JSON.stringify(value.createdAt)}`);
}
