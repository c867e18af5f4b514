import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { ModelOptionError } from '../errors.js';
import { completeMetadata, type ModelMetadata, type ModelMetadataInit } from '../metadata.js';
import { METADATA_JSON, MODEL_JSON, WEIGHTS_BIN, writeFileDurably, writeFolderAtomically } from './model-folder.js';

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
 * Saves `model` into the folder `dir`, atomically: `model.json` (`format: 'layers-model'`,
 * `modelTopology`, `weightsManifest` → `weights.bin`) that stock `tf.loadLayersModel` reads, the
 * weights, and `digitlab.json` (see `ModelMetadata`). The files are written into a sibling temp
 * folder that then replaces `dir`, so readers never see a half-written model; an existing `dir` is
 * replaced only if it is empty or already holds a saved model.
 * Models with LoRA or adapter layers save unmerged (their classes are registered for
 * serialisation); call `mergeLora` first for a file that stock tfjs without digitlab can load.
 * @returns the metadata written
 * @throws ModelOptionError for non-finite weights, labels that do not match the outputs, or an unsafe `dir`
 */
export async function saveModel(model: tfl.LayersModel, dir: string, metadata: ModelMetadataInit): Promise<ModelMetadata> {
  const inputShape = singleShapeOf(model.inputs.length === 1 ? (model.inputs[0]?.shape ?? []) : model.inputs.map((input) => input.shape));
  const outputShape = singleShapeOf(model.outputs.length === 1 ? (model.outputs[0]?.shape ?? []) : model.outputs.map((output) => output.shape));
  const numOutputs = outputShape[outputShape.length - 1];
  if (inputShape.length !== 4 || typeof numOutputs !== 'number') {
    throw new ModelOptionError(`saveModel expects an image model [batch, height, width, channels] → [batch, classes]; got input ${JSON.stringify(inputShape)}, output ${JSON.stringify(outputShape)}`);
  }
  const full = completeMetadata(metadata, inputShape.slice(1) as [number, number, number], numOutputs, path.join(path.resolve(dir), METADATA_JSON));
  assertFiniteWeights(model);
  const artifacts = await modelArtifacts(model);
  const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? []));
  const modelJson: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology as object,
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_core}`,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
    ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
  };
  await writeFolderAtomically(dir, async (temp) => {
    await writeFileDurably(path.join(temp, WEIGHTS_BIN), weights);
    await writeFileDurably(path.join(temp, MODEL_JSON), JSON.stringify(modelJson));
    await writeFileDurably(path.join(temp, METADATA_JSON), `${JSON.stringify(full, null, 2)}\n`);
  });
  return full;
}
