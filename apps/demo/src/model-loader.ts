/**
 * Loads models into the page: the pretrained models shipped under `models/` (listed in
 * `models/index.json` by the build), a model folder by URL, or files the user picks (`model.json`,
 * its weight files and optionally `digitlab.json`). Custom digitlab layers (LoRA, adapters) are
 * registered first so fine-tuned models load too.
 */
import { io } from '@tensorflow/tfjs-core';
import { loadLayersModel } from '@tensorflow/tfjs-layers';
import { registerCustomLayers, type ModelMetadata } from '@digitlab/models';
import type { CurrentModel } from './current-model.js';

/** The names of the shipped pretrained models. */
export async function listShippedModels(): Promise<string[]> {
  const response = await fetch('models/index.json');
  if (!response.ok) throw new Error(`models/index.json: HTTP ${response.status}. Rebuild the demo (pnpm --filter @digitlab/demo build) so it ships its models.`);
  const { models } = (await response.json()) as { models: string[] };
  return models;
}

/** A shipped pretrained model by name. */
export function loadShippedModel(name: string): Promise<CurrentModel> {
  return loadModelFromUrl(new URL(`models/${name}/model.json`, document.baseURI).href, name);
}

/** A model by the URL of its `model.json`; `digitlab.json` is looked for beside it. */
export async function loadModelFromUrl(url: string, name = url): Promise<CurrentModel> {
  registerCustomLayers();
  const model = await loadLayersModel(url);
  const metadataUrl = new URL('digitlab.json', url).href;
  const response = await fetch(metadataUrl);
  const metadata = response.ok ? checkMetadata(await response.json(), metadataUrl) : undefined;
  return { name, model, metadata };
}

/** A model from picked files: one `model.json`, its weight files, and `digitlab.json` if there. */
export async function loadModelFromFiles(files: readonly File[]): Promise<CurrentModel> {
  const modelJson = files.find((file) => file.name === 'model.json') ?? files.find((file) => file.name.endsWith('.json') && file.name !== 'digitlab.json');
  if (!modelJson) throw new Error(`no model.json among the picked files (${files.map((file) => file.name).join(', ')}). Pick model.json together with its weight files.`);
  const weights = files.filter((file) => file !== modelJson && !file.name.endsWith('.json'));
  registerCustomLayers();
  const model = await loadLayersModel(io.browserFiles([modelJson, ...weights]));
  const metadataFile = files.find((file) => file.name === 'digitlab.json');
  const metadata = metadataFile ? checkMetadata(JSON.parse(await metadataFile.text()), metadataFile.name) : undefined;
  return { name: modelJson.name === 'model.json' ? 'your model' : modelJson.name, model, metadata };
}

function checkMetadata(value: unknown, where: string): ModelMetadata {
  const metadata = value as Partial<ModelMetadata>;
  if (metadata?.format !== 'digitlab-model' || !metadata.input || !Array.isArray(metadata.labels)) {
    throw new Error(`${where} is not digitlab model metadata (expected "format": "digitlab-model" with "input" and "labels"). Remove it to load the model with unit inputs, or re-save the model with saveModel().`);
  }
  return metadata as ModelMetadata;
}
