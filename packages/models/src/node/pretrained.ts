import * as fs from 'node:fs/promises';
import * as nodeModule from 'node:module';
import * as path from 'node:path';
import { ModelFormatError, ModelOptionError, PretrainedNotFoundError } from '../errors.js';
import { loadModel } from './load-model.js';
import { type LoadedModel, MODEL_JSON } from '../model-artifacts.js';
import { listModels, type ModelName } from '../zoo.js';
import { packageVersion } from '../version.js';

/** The package that holds the weights: an optional peer, so zoo users do not download them. */
const PRETRAINED_PACKAGE = '@digitlab/pretrained';

/**
 * The folder where `@digitlab/pretrained` holds the weights of a zoo model
 * (`<@digitlab/pretrained>/<name>/`), whether or not that version ships them.
 * @throws ModelOptionError for a name that is not in the zoo
 * @throws PretrainedNotFoundError when `@digitlab/pretrained` is not installed, naming the install command
 */
export function pretrainedPath(name: ModelName | (string & {})): string {
  const names = listModels().map((entry) => entry.name);
  if (!names.includes(name as ModelName)) {
    throw new ModelOptionError(`Unknown model: "${name}". Pretrained weights can only exist for zoo models: ${names.join(', ')}`);
  }
  let manifest: string;
  try {
    manifest = nodeModule.createRequire(import.meta.url).resolve(`${PRETRAINED_PACKAGE}/package.json`);
  } catch (error) {
    throw new PretrainedNotFoundError(
      `Pretrained weights ("pretrained:${name}") live in the package ${PRETRAINED_PACKAGE}, which is not installed beside @digitlab/models. ` +
        `Install it: npm install ${PRETRAINED_PACKAGE}`,
      { cause: error },
    );
  }
  return path.join(path.dirname(manifest), name) + path.sep;
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
      `Pretrained weights for "${name}" are not shipped yet in ${PRETRAINED_PACKAGE} (looked in ${folder}; @digitlab/models ${packageVersion}). ` +
        `Train them with \`digitlab train --model ${name}\` and load the saved folder with loadModel(dir).`,
      { cause: error },
    );
  }
  const loaded = await loadModel(folder);
  if (loaded.metadata.architecture !== name) {
    loaded.model.dispose();
    throw new ModelFormatError(
      path.join(folder, 'digitlab.json'),
      `${path.join(folder, 'digitlab.json')} says architecture "${loaded.metadata.architecture}", but it sits in the folder for "${name}"; the shipped weights are misplaced. Reinstall ${PRETRAINED_PACKAGE}.`,
    );
  }
  return loaded;
}
