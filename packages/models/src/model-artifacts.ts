/**
 * The storage-free half of saving and loading a model: capture a model's tfjs artifacts with its
 * `digitlab.json` metadata, and build a model back from artifacts with every check made before a
 * weight is used. Folders (`@digitlab/models/node`), URLs, picked files, IndexedDB and downloads
 * all go through these two functions.
 * @internal
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ModelFormatError, ModelOptionError } from './errors.js';
import { keepFrozenBatchNormInInference } from './frozen-batch-norm.js';
import { registerCustomLayers } from './lora/register.js';
import { completeMetadata, type ModelMetadata, type ModelMetadataInit } from './metadata.js';
import { checkTopologyBounds, checkWeightBytes } from './manifest-bounds.js';

/** File names inside a saved model folder (and beside a `model.json` URL). */
export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';
export const METADATA_JSON = 'digitlab.json';

/** A model read back, with its `digitlab.json`. */
export interface LoadedModel {
  model: tfl.LayersModel;
  metadata: ModelMetadata;
}

const supportedDtypes = new Set(['float32', 'int32', 'bool']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks a parsed `model.json`: a layers model with a well-formed weights manifest; `file` names it in errors. */
export function parseModelJson(value: unknown, file: string): { topology: object; manifest: tf.io.WeightsManifestConfig } {
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

/** Captures what `model.save` hands an IOHandler: topology, weight specs and one weight buffer. */
async function modelArtifacts(model: tfl.LayersModel): Promise<tf.io.ModelArtifacts> {
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  if (!captured) throw new Error('tfjs-layers did not hand the model artifacts to the save handler');
  return captured;
}

function assertFiniteWeights(model: tfl.LayersModel): void {
  for (const weight of model.weights) {
    const values = weight.read().dataSync();
    for (let index = 0; index < values.length; index++) {
      if (!Number.isFinite(values[index])) {
        throw new ModelOptionError(
          `cannot save: weight "${weight.originalName}" holds ${String(values[index])} at index ${index}. The training diverged; lower the learning rate or save an earlier checkpoint.`,
        );
      }
    }
  }
}

function singleShapeOf(shape: tfl.Shape | tfl.Shape[]): tfl.Shape {
  if (Array.isArray(shape[0])) {
    throw new ModelOptionError(`saveModel supports single-input, single-output models; this one has shapes ${JSON.stringify(shape)}`);
  }
  return shape as tfl.Shape;
}

/**
 * The artifacts and complete metadata to save for `model`: topology, weight specs and one weight
 * buffer. `where` names the destination in errors.
 * @throws ModelOptionError for non-finite weights, labels that do not match the outputs, or a model that is not image → classes
 */
export async function artifactsForSave(model: tfl.LayersModel, metadata: ModelMetadataInit, where: string): Promise<{ artifacts: tf.io.ModelArtifacts; weights: ArrayBuffer; metadata: ModelMetadata }> {
  const inputShape = singleShapeOf(model.inputs.length === 1 ? (model.inputs[0]?.shape ?? []) : model.inputs.map((input) => input.shape));
  const outputShape = singleShapeOf(model.outputs.length === 1 ? (model.outputs[0]?.shape ?? []) : model.outputs.map((output) => output.shape));
  const numOutputs = outputShape[outputShape.length - 1];
  if (inputShape.length !== 4 || typeof numOutputs !== 'number') {
    throw new ModelOptionError(`saveModel expects an image model [batch, height, width, channels] → [batch, classes]; got input ${JSON.stringify(inputShape)}, output ${JSON.stringify(outputShape)}`);
  }
  const full = completeMetadata(metadata, inputShape.slice(1) as [number, number, number], numOutputs, where);
  assertFiniteWeights(model);
  const artifacts = await modelArtifacts(model);
  const weights = tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? []);
  return { artifacts: { ...artifacts, weightData: weights, userDefinedMetadata: { ...artifacts.userDefinedMetadata, digitlab: full } }, weights, metadata: full };
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
 * Builds a model from artifacts and checks it before any weight is used: the topology builds, the
 * weight names and shapes match it, every float is finite, and `metadata` describes the same input
 * and number of outputs. LoRA and adapter layers are registered first. `names` say where the
 * topology, the weights and the metadata came from, for errors.
 * @throws ModelFormatError naming the offending file and saying what to do
 */
export async function modelFromArtifacts(
  topology: object,
  specs: tf.io.WeightsManifestEntry[],
  data: ArrayBuffer,
  metadata: ModelMetadata,
  names: { modelJson: string; weights: string; metadata: string },
): Promise<LoadedModel> {
  registerCustomLayers();
  checkTopologyBounds(topology, specs, names.modelJson);
  let model: tfl.LayersModel;
  try {
    // No weights yet: the topology alone, so its variables can be compared with the manifest.
    model = await tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: topology }));
  } catch (error) {
    throw new ModelFormatError(names.modelJson, `cannot build the model in ${names.modelJson}: ${(error as Error).message}. Re-save the model with saveModel().`, { cause: error });
  }
  let weights: tf.NamedTensorMap = {};
  try {
    checkAgainstTopology(model, specs, names.modelJson);
    checkWeightBytes(specs, data.byteLength, names.weights, names.modelJson);
    weights = tf.io.decodeWeights(data, specs);
    checkFinite(weights, names.weights);
    model.loadWeights(weights, true);
  } catch (error) {
    model.dispose();
    throw error;
  } finally {
    tf.dispose(weights);
  }
  const inputShape = model.inputs[0]?.shape.slice(1);
  const outputs = model.outputs[0]?.shape.at(-1);
  if (JSON.stringify(inputShape) !== JSON.stringify(metadata.input.shape) || outputs !== metadata.labels.length) {
    model.dispose();
    throw new ModelFormatError(
      names.metadata,
      `${names.metadata} describes input ${JSON.stringify(metadata.input.shape)} and ${metadata.labels.length} labels, but the model in ${names.modelJson} takes ${JSON.stringify(inputShape)} and has ${String(outputs)} outputs; the two files belong to different models. Re-save the model.`,
    );
  }
  return { model: keepFrozenBatchNormInInference(model), metadata };
}
