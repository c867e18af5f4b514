/** Where a page finds the pretrained weights this package publishes (its `pretrained/` folder). */
import { ModelOptionError } from './errors.js';
import { packageVersion } from './version.js';
import { listModels, type ModelName } from './zoo.js';

/**
 * The published `pretrained/` folder of this version on the jsDelivr CDN. The one place to change
 * if the weights move to another package.
 */
export function pretrainedBaseUrl(): string {
  return `https://cdn.jsdelivr.net/npm/@digitlab/models@${packageVersion}/pretrained/`;
}

/**
 * The URL of `model.json` of a zoo model's pretrained weights, for {@link loadModelFrom}: under
 * `baseUrl` (a page's own copy of the `pretrained/` folder, e.g. `'/pretrained/'`), by default the CDN.
 * @throws ModelOptionError for a name that is not in the zoo
 */
export function pretrainedModelUrl(name: ModelName | (string & {}), baseUrl: string = pretrainedBaseUrl()): string {
  const names = listModels().map((entry) => entry.name);
  if (!names.includes(name as ModelName)) {
    throw new ModelOptionError(`Unknown model: "${name}". Pretrained weights can only exist for zoo models: ${names.join(', ')}`);
  }
  return `${baseUrl}${baseUrl.endsWith('/') ? '' : '/'}${name}/model.json`;
}
