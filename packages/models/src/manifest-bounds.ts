/**
 * Size checks on a `model.json` made before tfjs builds its topology or decodes its weights. Building allocates every
 * variable at once (a Dense layer edited to `units: 500000` asks for gigabytes), so the layer
 * sizes the topology declares are compared with the weights manifest first; the manifest itself
 * is bounded by the weight bytes actually present, which the loaders check.
 * @internal
 */
import type * as tf from '@tensorflow/tfjs-core';
import { ModelFormatError } from './errors.js';

/** Most elements a model input may have (a 4096 x 4096 RGBA image); MNIST models take 784. */
const MAX_INPUT_ELEMENTS = 4096 * 4096 * 4;

/** Most weights (elements, all tensors together) a model may have: 256 Mi, 1 GiB of float32. */
const MAX_MODEL_WEIGHTS = 256 * 1024 * 1024;

/** Layer config fields that size a layer's weights, checked against its kernel's last dimension. */
const sizeFields = ['units', 'filters'] as const;

const bytesPerValue: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

/** Bytes a manifest entry occupies in the weight files (quantised entries store the smaller type). */
export function entryByteLength(entry: tf.io.WeightsManifestEntry): number {
  const size = entry.shape.reduce((product, dimension) => product * dimension, 1);
  const stored = entry.quantization?.dtype ?? entry.dtype;
  const bytes = bytesPerValue[stored];
  if (bytes === undefined) throw new RangeError(`unsupported weight dtype ${stored}`);
  return size * bytes;
}

/**
 * Checks that `byteLength` bytes of weight data are exactly what `specs` describe.
 * @throws ModelFormatError naming `weights`, both sizes and what to do
 */
export function checkWeightBytes(specs: readonly tf.io.WeightsManifestEntry[], byteLength: number, weights: string, modelJson: string): void {
  const expected = specs.reduce((sum, entry) => sum + entryByteLength(entry), 0);
  if (byteLength !== expected) {
    throw new ModelFormatError(
      weights,
      `${weights} holds ${byteLength} bytes but ${modelJson} describes ${expected} bytes of weights (${specs.length} tensors). The file is truncated or belongs to another model; copy the folder again or re-save it.`,
    );
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every layer config in a topology, nested models included. */
function layerConfigs(node: unknown, found: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (Array.isArray(node)) {
    for (const item of node) layerConfigs(item, found);
  } else if (isRecord(node)) {
    if (typeof node.class_name === 'string' && isRecord(node.config)) found.push(node.config);
    for (const value of Object.values(node)) layerConfigs(value, found);
  }
  return found;
}

/**
 * Checks that building `topology` allocates no more than its manifest describes: the manifest holds
 * at most {@link MAX_MODEL_WEIGHTS} elements, each input at most {@link MAX_INPUT_ELEMENTS}, and a
 * layer's `units` / `filters` equal the last dimension of its kernel in the manifest.
 * @throws ModelFormatError naming `modelJson`, the layer, the value and what to do
 */
export function checkTopologyBounds(topology: object, specs: readonly tf.io.WeightsManifestEntry[], modelJson: string): void {
  const fix = 'The topology and the weights belong to different models or the file was edited; re-save the model with saveModel().';
  const total = specs.reduce((sum, spec) => sum + spec.shape.reduce((product, size) => product * size, 1), 0);
  if (total > MAX_MODEL_WEIGHTS) {
    throw new ModelFormatError(modelJson, `${modelJson} describes ${total} weights, more than the ${MAX_MODEL_WEIGHTS} a digitlab model may have. Pass an MNIST-sized model.`);
  }
  const shapes = new Map(specs.map((spec) => [spec.name, spec.shape]));
  for (const config of layerConfigs(topology)) {
    const name = typeof config.name === 'string' ? config.name : '(unnamed)';
    const inputShape = config.batch_input_shape ?? config.batchInputShape;
    if (Array.isArray(inputShape)) {
      const elements = inputShape.reduce((product: number, size: unknown) => product * (typeof size === 'number' && size > 0 ? size : 1), 1);
      if (elements > MAX_INPUT_ELEMENTS) {
        throw new ModelFormatError(modelJson, `layer "${name}" in ${modelJson} takes input ${JSON.stringify(inputShape)} (${elements} elements), more than the ${MAX_INPUT_ELEMENTS} allowed. ${fix}`);
      }
    }
    for (const field of sizeFields) {
      const value = config[field];
      if (value === undefined) continue;
      const kernel = shapes.get(`${name}/kernel`);
      if (!Number.isInteger(value) || (value as number) < 1) {
        throw new ModelFormatError(modelJson, `layer "${name}" in ${modelJson} has ${field} ${JSON.stringify(value)}, expected a positive integer. ${fix}`);
      }
      if (kernel !== undefined && kernel.at(-1) !== value) {
        throw new ModelFormatError(
          modelJson,
          `layer "${name}" in ${modelJson} has ${field} ${String(value)} but its kernel in the weightsManifest is ${JSON.stringify(kernel)}. ${fix}`,
        );
      }
      if (kernel === undefined && (value as number) > MAX_INPUT_ELEMENTS) {
        throw new ModelFormatError(modelJson, `layer "${name}" in ${modelJson} has ${field} ${String(value)} and no kernel in the weightsManifest. ${fix}`);
      }
    }
  }
}
