import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ModelFormatError } from '../errors.js';
import { keepFrozenBatchNormInInference } from '../frozen-batch-norm.js';
import { registerCustomLayers } from '../lora/register.js';
import { validateMetadata, type ModelMetadata } from '../metadata.js';
import { METADATA_JSON, MODEL_JSON, entryByteLength, readJsonFile, resolveWeightPath } from './model-folder.js';

/** A model read back from a folder, with its `digitlab.json`. */
export interface LoadedModel {
  model: tfl.LayersModel;
  metadata: ModelMetadata;
}

const supportedDtypes = new Set(['float32', 'int32', 'bool']);

/**
 * Reads and validates `digitlab.json` in `dir` without touching the weights.
 * @throws ModelFormatError naming the file when it is missing or malformed
 */
export async function readMetadata(dir: string): Promise<ModelMetadata> {
  const file = path.join(path.resolve(dir), METADATA_JSON);
  const metadata = await readJsonFile(file, 'digitlab model metadata');
  validateMetadata(metadata, file);
  return metadata;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseModelJson(value: unknown, file: string): { topology: object; manifest: tf.io.WeightsManifestConfig } {
  const fail = (problem: string): never => {
    throw new ModelFormatError(file, `${file} is not a tfjs layers model: ${problem}. Re-save the model with saveModel().`);
  };
  if (!isRecord(value)) return fail('expected a JSON object');
  if (value.format !== undefined && value.format !== 'layers-model') fail(`"format" is ${JSON.stringify(value.format)}, expected "layers-model" (graph models cannot be loaded here)`);
  if (!isRecord(value.modelTopology)) fail('"modelTopology" is missing');
  const manifest = value.weightsManifest;
  if (!Array.isArray(manifest)) return fail('"weightsManifest" must be an array of { paths, weights } groups');
  for (const group of manifest as unknown[]) {
    if (!isRecord(group) || !Array.isArray(group.paths) || group.paths.length === 0 || !Array.isArray(group.weights)) {
      fail(`each "weightsManifest" group needs non-empty "paths" and a "weights" array, got ${JSON.stringify(group).slice(0, 200)}`);
    }
    for (const entry of (group as { weights: unknown[] }).weights) {
      const ok =
        isRecord(entry) &&
        typeof entry.name === 'string' &&
        Array.isArray(entry.shape) &&
        entry.shape.every((size) => Number.isInteger(size) && (size as number) >= 0) &&
        typeof entry.dtype === 'string' &&
        supportedDtypes.has(entry.dtype) &&
        (entry.quantization === undefined || (isRecord(entry.quantization) && ['uint8', 'uint16', 'float16'].includes(String(entry.quantization.dtype))));
      if (!ok) fail(`weight entry ${JSON.stringify(entry).slice(0, 200)} needs a name, a shape of non-negative integers and a dtype among float32, int32, bool`);
    }
  }
  return { topology: value.modelTopology as object, manifest: manifest as tf.io.WeightsManifestConfig };
}

/** Reads every weight group, checking each group's files add up to exactly the bytes its entries need. */
async function readWeights(dir: string, manifest: tf.io.WeightsManifestConfig, modelJson: string): Promise<{ specs: tf.io.WeightsManifestEntry[]; data: ArrayBuffer }> {
  const buffers: ArrayBuffer[] = [];
  const specs: tf.io.WeightsManifestEntry[] = [];
  for (const group of manifest) {
    const files = await Promise.all(group.paths.map((manifestPath) => resolveWeightPath(dir, manifestPath, modelJson)));
    const contents = await Promise.all(files.map((file) => fs.readFile(file)));
    const actual = contents.reduce((sum, buffer) => sum + buffer.byteLength, 0);
    const expected = group.weights.reduce((sum, entry) => sum + entryByteLength(entry), 0);
    if (actual !== expected) {
      throw new ModelFormatError(
        files[0] ?? modelJson,
        `${files.join(' + ')} holds ${actual} bytes but ${modelJson} describes ${expected} bytes of weights (${group.weights.length} tensors). The file is truncated or belongs to another model; copy the folder again or re-save it.`,
      );
    }
    for (const buffer of contents) buffers.push(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) as ArrayBuffer);
    specs.push(...group.weights);
  }
  return { specs, data: tf.io.CompositeArrayBuffer.join(buffers) };
}

/** Compares the manifest with the variables the topology creates: same names, same shapes. */
function checkAgainstTopology(model: tfl.LayersModel, specs: tf.io.WeightsManifestEntry[], modelJson: string): void {
  const bySpec = new Map<string, tf.io.WeightsManifestEntry>();
  for (const spec of specs) {
    if (bySpec.has(spec.name)) throw new ModelFormatError(modelJson, `${modelJson} lists weight "${spec.name}" twice; re-save the model with saveModel().`);
    bySpec.set(spec.name, spec);
  }
  for (const weight of model.weights) {
    const spec = bySpec.get(weight.originalName);
    if (!spec) {
      throw new ModelFormatError(modelJson, `${modelJson}'s topology needs weight "${weight.originalName}" ${JSON.stringify(weight.shape)} but its weightsManifest does not list it; the weights belong to another model. Re-save the model.`);
    }
    if (JSON.stringify(spec.shape) !== JSON.stringify(weight.shape)) {
      throw new ModelFormatError(
        modelJson,
        `weight "${spec.name}" has shape ${JSON.stringify(spec.shape)} in the weightsManifest of ${modelJson} but its topology needs ${JSON.stringify(weight.shape)}; the weights belong to another model. Re-save the model.`,
      );
    }
    bySpec.delete(weight.originalName);
  }
  const extra = [...bySpec.keys()];
  if (extra.length > 0) {
    throw new ModelFormatError(modelJson, `${modelJson} lists weights the topology does not use: ${extra.join(', ')}; the weights belong to another model. Re-save the model.`);
  }
}

function checkFinite(weights: tf.NamedTensorMap, file: string): void {
  for (const [name, tensor] of Object.entries(weights)) {
    if (tensor.dtype !== 'float32') continue;
    const values = tensor.dataSync();
    for (let index = 0; index < values.length; index++) {
      if (!Number.isFinite(values[index])) {
        throw new ModelFormatError(file, `weight "${name}" in ${file} holds ${String(values[index])} at index ${index}; the model is corrupt or its training diverged. Use an earlier checkpoint or retrain.`);
      }
    }
  }
}

/**
 * Loads a model saved by `saveModel` (or any tfjs layers model folder that also has a
 * `digitlab.json`). Everything is checked before a weight is used: `digitlab.json` and `model.json`
 * must be well-formed, weight paths must stay inside `dir` (no `..`, absolute paths, URLs or
 * symlinks out), each weight file must have exactly the byte length the manifest implies, weight
 * names and shapes must match the topology, and every float must be finite. LoRA and adapter
 * layers are registered first, so unmerged fine-tuned models load too.
 * @throws ModelFormatError naming the offending file and saying what to do
 */
export async function loadModel(dir: string): Promise<LoadedModel> {
  registerCustomLayers();
  const folder = path.resolve(dir);
  const metadata = await readMetadata(folder);
  const modelJsonFile = path.join(folder, MODEL_JSON);
  const { topology, manifest } = parseModelJson(await readJsonFile(modelJsonFile, 'tfjs model topology and weights manifest'), modelJsonFile);
  const { specs, data } = await readWeights(folder, manifest, modelJsonFile);

  let model: tfl.LayersModel;
  try {
    // No weights yet: the topology alone, so its variables can be compared with the manifest.
    model = await tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: topology }));
  } catch (error) {
    throw new ModelFormatError(modelJsonFile, `cannot build the model in ${modelJsonFile}: ${(error as Error).message}. Re-save the model with saveModel().`, { cause: error });
  }
  const weightsFile = path.join(folder, manifest[0]?.paths[0] ?? MODEL_JSON);
  let weights: tf.NamedTensorMap = {};
  try {
    checkAgainstTopology(model, specs, modelJsonFile);
    weights = tf.io.decodeWeights(data, specs);
    checkFinite(weights, weightsFile);
    model.loadWeights(weights, true);
  } catch (error) {
    model.dispose();
    throw error;
  } finally {
    tf.dispose(weights);
  }

  const inputShape = model.inputs[0]?.shape.slice(1);
  const outputs = model.outputs[0]?.shape.at(-1);
  const metadataFile = path.join(folder, METADATA_JSON);
  if (JSON.stringify(inputShape) !== JSON.stringify(metadata.input.shape) || outputs !== metadata.labels.length) {
    model.dispose();
    throw new ModelFormatError(
      metadataFile,
      `${metadataFile} describes input ${JSON.stringify(metadata.input.shape)} and ${metadata.labels.length} labels, but the model in ${modelJsonFile} takes ${JSON.stringify(inputShape)} and has ${String(outputs)} outputs; the two files belong to different models. Re-save the model.`,
    );
  }
  return { model: keepFrozenBatchNormInInference(model), metadata };
}
