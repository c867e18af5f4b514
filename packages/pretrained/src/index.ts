/**
 * @digitlab/pretrained — pretrained MNIST weights for the digitlab zoo, as plain data: one folder
 * per model at the package root (`<name>/model.json`, `weights.bin`, `digitlab.json`), readable by
 * stock `tf.loadLayersModel` and by `loadModel`/`loadPretrained` from `@digitlab/models`.
 *
 * - `pretrainedNames` — the models whose weights this version ships.
 * - `packagedModelUrl(name)` — the URL of a shipped model's `model.json`.
 */
export { pretrainedNames, packagedModelUrl } from './pretrained-index.js';
export type { PretrainedName } from './pretrained-index.js';
