/** Saving a model folder (`model.json` + `weights.bin` + `digitlab.json`) atomically. Node-only. */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { ModelMetadata, ModelMetadataInit } from '../metadata.js';
import { METADATA_JSON, MODEL_JSON, WEIGHTS_BIN, artifactsForSave } from '../model-artifacts.js';
import { writeFileDurably, writeFolderAtomically } from './model-folder.js';

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
  const { artifacts, weights, metadata: full } = await artifactsForSave(model, metadata, path.join(path.resolve(dir), METADATA_JSON));
  const modelJson: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology as object,
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_core}`,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
    ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
  };
  await writeFolderAtomically(dir, async (temp) => {
    await writeFileDurably(path.join(temp, WEIGHTS_BIN), new Uint8Array(weights));
    await writeFileDurably(path.join(temp, MODEL_JSON), JSON.stringify(modelJson));
    await writeFileDurably(path.join(temp, METADATA_JSON), `${JSON.stringify(full, null, 2)}\n`);
  });
  return full;
}
