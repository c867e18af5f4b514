/** Where a page finds the pretrained weights that `@digitlab/pretrained` publishes (one folder per model). */
import { ModelOptionError } from './errors.js';
import { listModels, type ModelName } from './zoo.js';

/** The major version of `@digitlab/pretrained` whose weights this version of the zoo reads. */
const PRETRAINED_MAJOR = 0;

/**
 * The published `@digitlab/pretrained` package (one folder per model) on the jsDelivr CDN, at the
 * newest release of the major version this package reads.
 */
export function pretrainedBaseUrl(): string {
  return `https://cdn.jsdelivr.net/npm/@digitlab/pretrained@${PRETRAINED_MAJOR}/`;
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
