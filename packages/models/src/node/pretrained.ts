import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as url from 'node:url';
import { ModelFormatError, ModelOptionError, PretrainedNotFoundError } from '../errors.js';
import { loadModel } from './load-model.js';
import { type LoadedModel, MODEL_JSON } from '../model-artifacts.js';
import { listModels, type ModelName } from '../zoo.js';
import { packageVersion } from '../version.js';

/**
 * The folder that ships the pretrained weights: `pretrained/` at the package root, two levels above
 * both `src/node/` and `dist/node/`. The one place to change if the weights move to another package.
 */
function pretrainedRoot(): URL {
  return new URL('../../pretrained/', import.meta.url);
}

/**
 * The folder where this package ships the pretrained weights of a zoo model
 * (`<package>/pretrained/<name>/`), whether or not they are present yet.
 * @throws ModelOptionError for a name that is not in the zoo
 */
export function pretrainedPath(name: ModelName | (string & {})): string {
  const names = listModels().map((entry) => entry.name);
  if (!names.includes(name as ModelName)) {
    throw new ModelOptionError(`Unknown model: "${name}". Pretrained weights can only exist for zoo models: ${names.join(', ')}`);
  }
  return url.fileURLToPath(new URL(`${name}/`, pretrainedRoot()));
}

/**
 * Loads the pretrained weights shipped for a zoo model, with their metadata (test accuracy,
 * normalisation, training recipe).
 * @throws PretrainedNotFoundError when this version does not ship them (yet), saying how to train them
 * @throws ModelFormatError when the shipped folder is damaged or holds another architecture
 */
export async function loadPretrained(name: ModelName | (string & {})): Promise<LoadedModel> {
  const folder = pretrainedPath(name);
  try {
    await fs.access(path.join(folder, MODEL_JSON));
  } catch (error) {
    throw new PretrainedNotFoundError(
      `Pretrained weights for "${name}" are not shipped yet in @digitlab/models ${packageVersion} (looked in ${folder}). ` +
        `Train them with \`digitlab train --model ${name}\` and load the saved folder with loadModel(dir).`,
      { cause: error },
    );
  }
  const loaded = await loadModel(folder);
  if (loaded.metadata.architecture !== name) {
    loaded.model.dispose();
    throw new ModelFormatError(
      path.join(folder, 'digitlab.json'),
      `${path.join(folder, 'digitlab.json')} says architecture "${loaded.metadata.architecture}", but it sits in the folder for "${name}"; the shipped weights are misplaced. Reinstall @digitlab/models.`,
    );
  }
  return loaded;
}
