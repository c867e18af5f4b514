/**
 * @digitlab/trainer/node — everything of `@digitlab/trainer`, plus checkpoints in folders:
 * `folderCheckpointStore` (`<dir>/best`, `<dir>/last`, atomic temp + rename), the folder helpers
 * (`saveCheckpoint`, `readCheckpoint`, `readTrainerState`, `readWeightAverage`, `restoreCheckpoint`,
 * `resolveCheckpointDirectory`, `writeLayersModel`), and `fit` that also takes `checkpointDirectory`
 * and a `resumeFrom` path.
 */
export * from '../index.js';
export { fit } from './fit.js';
export type { FitOptions } from './fit.js';
export {
  folderCheckpointStore,
  saveCheckpoint,
  readCheckpoint,
  readTrainerState,
  readWeightAverage,
  restoreCheckpoint,
  resolveCheckpointDirectory,
  writeLayersModel,
} from './checkpoint-folder.js';
export type { FolderCheckpointStoreOptions, ModelWriter } from './checkpoint-folder.js';
