/**
 * Loads models into the page through the models package's `loadModelFrom` (digitlab.json checked,
 * custom layers registered): the pretrained models shipped under the demo's own `models/` folder
 * (listed in `models/index.json` by the build), a model by the URL of its `model.json`, or files the
 * user picks (`model.json`, its weight files, `digitlab.json`).
 */
import { loadModelFrom, pretrainedModelUrl } from '@digitlab/models';
import type { CurrentModel } from './current-model.js';

/** The names of the shipped pretrained models. */
export async function listShippedModels(): Promise<string[]> {
  const response = await fetch('models/index.json');
  if (!response.ok) throw new Error(`models/index.json: HTTP ${response.status}. Rebuild the demo (pnpm --filter @digitlab/demo build) so it ships its models.`);
  const { models } = (await response.json()) as { models: string[] };
  return models;
}

/** A shipped pretrained model by name, from the demo's own copy of the `pretrained/` folder. */
export async function loadShippedModel(name: string): Promise<CurrentModel> {
  return { name, ...(await loadModelFrom(pretrainedModelUrl(name, new URL('models/', document.baseURI).href))) };
}

/** A model by the URL of its `model.json` (digitlab.json beside it). */
export async function loadModelFromUrl(url: string): Promise<CurrentModel> {
  return { name: url, ...(await loadModelFrom(url)) };
}

/** A model from picked files: one `model.json`, its weight files, and `digitlab.json`. */
export async function loadModelFromFiles(files: readonly File[]): Promise<CurrentModel> {
  const modelJson = files.find((file) => file.name.endsWith('.json') && file.name !== 'digitlab.json');
  return { name: modelJson && modelJson.name !== 'model.json' ? modelJson.name : 'your model', ...(await loadModelFrom(files)) };
}
