/**
 * @digitlab/models/node — everything of `@digitlab/models`, plus model folders on disk:
 * `saveModel` (atomic), `loadModel` / `readMetadata` (validated), and the pretrained weights this
 * package ships (`loadPretrained`, `pretrainedPath`).
 */
export * from '../index.js';
export { saveModel } from './save-model.js';
export { loadModel, readMetadata } from './load-model.js';
export { loadPretrained, pretrainedPath } from './pretrained.js';
