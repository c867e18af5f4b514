/**
 * Checkpoints in folders: `<root>/<name>/` holds the model (tfjs layers format: `model.json` +
 * weights, loadable by `loadModel` / `tf.loadLayersModel`), `trainer-state.json`,
 * `optimizer-state.bin` and, with a weight average, `weight-average.bin`. Node-only.
 *
 * Writes are atomic: everything goes to a sibling temp folder which then replaces the target by
 * rename. Linux cannot rename a folder over a non-empty one, so the old checkpoint is first renamed
 * to `<dir>.previous`; a crash between the two renames leaves that complete copy, which
 * {@link resolveCheckpointDirectory} falls back to.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import {
  type CheckpointContents,
  type CheckpointName,
  type CheckpointStore,
  type LoadedCheckpoint,
  type TrainerState,
  decodeWeightAverage,
  applyCheckpoint,
  validateTrainerState,
  writeCheckpoint,
} from '../checkpoint.js';
import { CheckpointError } from '../errors.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import type { WeightAverage } from '../weight-average.js';

/** How the model part of a checkpoint folder is written; `@digitlab/models/node`' `saveModel` fits. */
export type ModelWriter = (model: tfl.LayersModel, directory: string) => Promise<void>;

/** Options of {@link folderCheckpointStore}. */
export interface FolderCheckpointStoreOptions {
  /** Writes the model part; default {@link writeLayersModel} (`model.json` + `weights.bin`). */
  writeModel?: ModelWriter;
}

const STATE_FILE = 'trainer-state.json';
const SLOTS_FILE = 'optimizer-state.bin';
const AVERAGE_FILE = 'weight-average.bin';
/** What to do about a checkpoint whose files cannot be read. */
const DAMAGED_HINT = "Its files are damaged or missing: resume from the run's other checkpoint (last/ or best/), or start the run again.";

/** A {@link CheckpointStore} of folders `<root>/best`, `<root>/last`, each written atomically. */
export function folderCheckpointStore(root: string, options: FolderCheckpointStoreOptions = {}): CheckpointStore {
  const writeModel = options.writeModel ?? writeLayersModel;
  return {
    describe: (name) => join(root, name),
    save: (name, model, contents) => saveFolder(join(root, name), model, contents, writeModel),
    load: (name) => loadFolder(join(root, name)),
    list: async () => (['best', 'last'] as CheckpointName[]).filter((name) => existsSync(join(root, name, STATE_FILE)) || existsSync(join(`${join(root, name)}.previous`, STATE_FILE))),
  };
}

/** The store and name of the checkpoint folder `directory` (`<root>/<name>`). */
function storeOf(directory: string, writeModel?: ModelWriter): { store: CheckpointStore; name: CheckpointName } {
  return { store: folderCheckpointStore(dirname(directory), writeModel ? { writeModel } : {}), name: basename(directory) };
}

async function saveFolder(directory: string, model: tfl.LayersModel, contents: CheckpointContents, writeModel: ModelWriter): Promise<void> {
  const temporary = join(dirname(directory), `.${basename(directory)}.tmp-${process.pid}-${Date.now()}`);
  const previous = `${directory}.previous`;
  try {
    await mkdir(dirname(directory), { recursive: true });
    await writeModel(model, temporary);
    if (contents.average) await writeFile(join(temporary, AVERAGE_FILE), new Uint8Array(contents.average));
    await writeFile(join(temporary, SLOTS_FILE), new Uint8Array(contents.slots));
    await writeFile(join(temporary, STATE_FILE), `${JSON.stringify(contents.state, null, 2)}\n`);
    if (existsSync(directory)) {
      await rm(previous, { recursive: true, force: true });
      await rename(directory, previous);
    }
    await rename(temporary, directory);
    await rm(previous, { recursive: true, force: true });
  } catch (error) {
    await rm(temporary, { recursive: true, force: true }).catch(() => undefined);
    throw new CheckpointError(`cannot write checkpoint "${directory}": ${(error as Error).message}. Check that the folder is writable and the disk has space.`, directory, { cause: error });
  }
}

async function loadFolder(directory: string): Promise<LoadedCheckpoint> {
  const { directory: resolved, state } = await readTrainerState(directory);
  const read = async (file: string): Promise<ArrayBuffer> => {
    try {
      const bytes = await readFile(join(resolved, file));
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    } catch (error) {
      throw new CheckpointError(`cannot read checkpoint "${resolved}": ${file}: ${(error as Error).message}. ${DAMAGED_HINT}`, resolved, { cause: error });
    }
  };
  const weights = await readLayersWeights(resolved).catch((error: unknown) => {
    throw new CheckpointError(`cannot read checkpoint "${resolved}": model.json: ${(error as Error).message}. ${DAMAGED_HINT}`, resolved, { cause: error });
  });
  return { location: resolved, state, weights, slots: await read(SLOTS_FILE), ...(state.ema ? { average: await read(AVERAGE_FILE) } : {}) };
}

/**
 * Writes a checkpoint to the folder `directory` atomically (temp folder + rename). `state.optimizer`
 * is filled in from `optimizer`, `state.ema` from `average`.
 */
export async function saveCheckpoint(
  directory: string,
  model: tfl.LayersModel,
  optimizer: Optimizer,
  state: Omit<TrainerState, 'format' | 'version' | 'optimizer' | 'ema'>,
  writeModel: ModelWriter = writeLayersModel,
  average?: WeightAverage,
): Promise<void> {
  const { store, name } = storeOf(directory, writeModel);
  await writeCheckpoint(store, name, model, optimizer, state, average);
}

/**
 * The folder to read a checkpoint from: `directory` itself, or `<directory>.previous` when a
 * crash happened between the two renames of a save.
 */
export function resolveCheckpointDirectory(directory: string): string {
  if (existsSync(join(directory, STATE_FILE))) return directory;
  if (existsSync(join(`${directory}.previous`, STATE_FILE))) return `${directory}.previous`;
  throw new CheckpointError(`"${directory}" is not a checkpoint: it has no ${STATE_FILE}. Pass a checkpoints/last or checkpoints/best folder of a run.`, directory);
}

/** Reads and validates `trainer-state.json` of a checkpoint; returns the folder it was read from (see resolveCheckpointDirectory). */
export async function readTrainerState(directory: string): Promise<{ directory: string; state: TrainerState }> {
  const resolved = resolveCheckpointDirectory(directory);
  try {
    const state = validateTrainerState(JSON.parse(await readFile(join(resolved, STATE_FILE), 'utf8')), STATE_FILE);
    return { directory: resolved, state };
  } catch (error) {
    throw new CheckpointError(`cannot read checkpoint "${resolved}": ${STATE_FILE}: ${(error as Error).message}. ${DAMAGED_HINT}`, resolved, { cause: error });
  }
}

/** Reads `trainer-state.json` (validated) and the optimizer slot tensors (caller disposes them) of the checkpoint folder `directory`. */
export async function readCheckpoint(directory: string): Promise<{ directory: string; state: TrainerState; slots: Record<string, tf.Tensor> }> {
  const loaded = await loadFolder(directory);
  try {
    return { directory: loaded.location, state: loaded.state, slots: tf.io.decodeWeights(loaded.slots, loaded.state.optimizer.slots) as Record<string, tf.Tensor> };
  } catch (error) {
    throw new CheckpointError(`cannot read checkpoint "${loaded.location}": ${SLOTS_FILE}: ${(error as Error).message}. ${DAMAGED_HINT}`, loaded.location, { cause: error });
  }
}

/** A checkpoint folder's weight average (decay and shadow tensors in `model.weights` order; caller disposes), or null without one. */
export async function readWeightAverage(directory: string): Promise<{ decay: number; values: tf.Tensor[] } | null> {
  return decodeWeightAverage(await loadFolder(directory));
}

/**
 * Restores the checkpoint folder `directory` into an existing model of the same architecture and
 * into `optimizer`; returns the trainer state.
 */
export async function restoreCheckpoint(directory: string, model: tfl.LayersModel, optimizer: Optimizer): Promise<TrainerState> {
  return applyCheckpoint(await loadFolder(directory), model, optimizer);
}

/** Writes a LayersModel in the stock tfjs layers format: `model.json` + `weights.bin`. */
export async function writeLayersModel(model: tfl.LayersModel, directory: string): Promise<void> {
  await mkdir(directory, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? []));
      await writeFile(join(directory, 'weights.bin'), weights);
      const manifest = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      };
      await writeFile(join(directory, 'model.json'), JSON.stringify(manifest));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.byteLength } };
    }),
  );
}

/** The weights of a saved layers model folder, in manifest order, as bytes. */
async function readLayersWeights(directory: string): Promise<{ specs: tf.io.WeightsManifestEntry[]; data: ArrayBuffer }> {
  const manifest = JSON.parse(await readFile(join(directory, 'model.json'), 'utf8')) as { weightsManifest: tf.io.WeightsManifestConfig };
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: ArrayBuffer[] = [];
  for (const group of manifest.weightsManifest) {
    specs.push(...group.weights);
    for (const path of group.paths) {
      const bytes = await readFile(join(directory, path));
      buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    }
  }
  return { specs, data: tf.io.CompositeArrayBuffer.join(buffers) };
}
