/** `fit` with checkpoint folders given by path, as the Node API has always taken them. Node-only. */
import { basename, dirname } from 'node:path';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { CheckpointName, CheckpointStore } from '../checkpoint.js';
import { TrainerOptionError } from '../errors.js';
import { type BatchSource, type FitOptions as StoreFitOptions, type FitResult, fit as fitWithStores } from '../fit.js';
import { type ModelWriter, folderCheckpointStore } from './checkpoint-folder.js';

/** Options of {@link fit}: those of the main entry's `fit`, plus checkpoint folders by path. */
export interface FitOptions extends Omit<StoreFitOptions, 'resumeFrom'> {
  /** Writes `<dir>/last` after every epoch and `<dir>/best` on each validation improvement (a {@link folderCheckpointStore}). */
  checkpointDirectory?: string;
  /** Writes the model part of checkpoint folders; default: tfjs layers format (`model.json` + `weights.bin`). */
  writeModel?: ModelWriter;
  /** A checkpoint folder (e.g. `<run>/checkpoints/last`) or a stored checkpoint to continue from; its schedule and seed win. */
  resumeFrom?: string | { store: CheckpointStore; name: CheckpointName };
}

/** Trains `model` in place, like the main entry's `fit`, with checkpoint folders given by path. */
export function fit(model: tfl.LayersModel, train: BatchSource, options: FitOptions): Promise<FitResult> {
  const { checkpointDirectory, writeModel, resumeFrom, ...rest } = options;
  if (checkpointDirectory !== undefined && rest.checkpoints) {
    throw new TrainerOptionError(`fit: both checkpointDirectory ("${checkpointDirectory}") and checkpoints are given; pass one of them.`);
  }
  const folders = (root: string) => folderCheckpointStore(root, writeModel ? { writeModel } : {});
  return fitWithStores(model, train, {
    ...rest,
    ...(checkpointDirectory !== undefined ? { checkpoints: folders(checkpointDirectory) } : {}),
    ...(resumeFrom === undefined ? {} : { resumeFrom: typeof resumeFrom === 'string' ? { store: folders(dirname(resumeFrom)), name: basename(resumeFrom) } : resumeFrom }),
  });
}
