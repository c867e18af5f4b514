/** Loading a model folder (`model.json` + weights + `digitlab.json`) from disk. Node-only. */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { describeFileError } from '@digitlab/errors';
import * as tf from '@tensorflow/tfjs-core';
import { ModelFormatError } from '../errors.js';
import { validateMetadata, type ModelMetadata } from '../metadata.js';
import { type LoadedModel, METADATA_JSON, MODEL_JSON, modelFromArtifacts, parseModelJson } from '../model-artifacts.js';
import { entryByteLength } from '../manifest-bounds.js';
import { readJsonFile, resolveWeightPath } from './model-folder.js';

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

/** Reads every weight group, checking each group's files add up to exactly the bytes its entries need. */
async function readWeights(dir: string, manifest: tf.io.WeightsManifestConfig, modelJson: string): Promise<{ specs: tf.io.WeightsManifestEntry[]; data: ArrayBuffer }> {
  const buffers: ArrayBuffer[] = [];
  const specs: tf.io.WeightsManifestEntry[] = [];
  for (const group of manifest) {
    const files = await Promise.all(group.paths.map((manifestPath) => resolveWeightPath(dir, manifestPath, modelJson)));
    const contents = await Promise.all(
      files.map((file) =>
        fs.readFile(file).catch((error: unknown) => {
          throw new ModelFormatError(file, `cannot read the weights: ${describeFileError(error, file)}`, { cause: error });
        }),
      ),
    );
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
  const folder = path.resolve(dir);
  const metadata = await readMetadata(folder);
  const modelJsonFile = path.join(folder, MODEL_JSON);
  const { topology, manifest } = parseModelJson(await readJsonFile(modelJsonFile, 'tfjs model topology and weights manifest'), modelJsonFile);
  const { specs, data } = await readWeights(folder, manifest, modelJsonFile);
  return modelFromArtifacts(topology, specs, data, metadata, {
    modelJson: modelJsonFile,
    weights: path.join(folder, manifest[0]?.paths[0] ?? MODEL_JSON),
    metadata: path.join(folder, METADATA_JSON),
  });
}
