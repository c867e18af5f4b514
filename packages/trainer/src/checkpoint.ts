/**
 * Checkpoints: a directory with the model (tfjs layers format: `model.json` + weights, loadable by
 * `loadModel` / `tf.loadLayersModel`), `trainer-state.json` (epoch, step, schedule, best metric,
 * RNG seed, optimizer config) and `optimizer-state.bin` (the optimizer's slot tensors, described by
 * the weight specs in trainer-state.json); with a weight average (`fit`'s `ema`) also its shadow
 * weights in `weight-average.bin`.
 *
 * Writes are atomic: everything goes to a sibling temp directory which then replaces the target by
 * rename. Linux cannot rename a directory over a non-empty one, so the old checkpoint is first
 * renamed to `<dir>.previous`; a crash between the two renames leaves that complete copy, which
 * {@link resolveCheckpointDirectory} falls back to.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { CheckpointError } from './errors.js';
import type { Optimizer, OptimizerConfig } from './optimizers/optimizer.js';
import type { ScheduleConfig } from './schedules.js';
import type { WeightAverage } from './weight-average.js';

/** What `trainer-state.json` holds. */
export interface TrainerState {
  format: 'digitlab-trainer-state';
  version: 1;
  /** Epochs fully completed. */
  epoch: number;
  /** Updates applied so far (global step). */
  step: number;
  /** Batches of epoch `epoch` already applied (0 at an epoch boundary). */
  stepInEpoch: number;
  /** The RNG state: all randomness is derived from (seed, epoch, step), see random.ts. */
  rng: { algorithm: 'splitmix32-counter'; seed: number };
  schedule: ScheduleConfig;
  optimizer: { config: OptimizerConfig; iterations: number; slots: tf.io.WeightsManifestEntry[] };
  /** Best validation metric so far (model selection), if any. */
  best: { metric: string; value: number; epoch: number; step: number } | null;
  /** Epochs since `best` improved (early stopping). */
  epochsWithoutImprovement: number;
  /** Free-form fields a caller wants to keep with the run (e.g. the resolved CLI config). */
  extra?: Record<string, unknown>;
  /** The moving average of the weights, when the run keeps one: its decay and the specs of `weight-average.bin`. */
  ema?: { decay: number; weights: tf.io.WeightsManifestEntry[] };
}

/** How the model part of a checkpoint is written; `@digitlab/models`' `saveModel` fits. */
export type ModelWriter = (model: tfl.LayersModel, directory: string) => Promise<void>;

const STATE_FILE = 'trainer-state.json';
const SLOTS_FILE = 'optimizer-state.bin';
const AVERAGE_FILE = 'weight-average.bin';
/** What to do about a checkpoint whose files cannot be read. */
const DAMAGED_HINT = "Its files are damaged or missing: resume from the run's other checkpoint (last/ or best/), or start the run again.";

/**
 * Writes a checkpoint to `directory` atomically (temp dir + rename). `state.optimizer.slots` is
 * filled in from `optimizer`, `state.ema` from `average`.
 */
export async function saveCheckpoint(
  directory: string,
  model: tfl.LayersModel,
  optimizer: Optimizer,
  state: Omit<TrainerState, 'format' | 'version' | 'optimizer' | 'ema'>,
  writeModel: ModelWriter = writeLayersModel,
  average?: WeightAverage,
): Promise<void> {
  const temporary = join(dirname(directory), `.${basename(directory)}.tmp-${process.pid}-${Date.now()}`);
  const previous = `${directory}.previous`;
  try {
    await mkdir(dirname(directory), { recursive: true });
    await writeModel(model, temporary);
    const optimizerState = optimizer.getState();
    const { data, specs } = await tf.io.encodeWeights(optimizerState.slots);
    const full: TrainerState = {
      format: 'digitlab-trainer-state',
      version: 1,
      ...state,
      optimizer: { config: optimizerState.config, iterations: optimizerState.iterations, slots: specs },
    };
    if (average) {
      const named = Object.fromEntries(average.values().map((tensor, i) => [`average/${i}`, tensor]));
      const encoded = await tf.io.encodeWeights(named);
      full.ema = { decay: average.decay, weights: encoded.specs };
      await writeFile(join(temporary, AVERAGE_FILE), new Uint8Array(encoded.data));
    }
    await writeFile(join(temporary, SLOTS_FILE), new Uint8Array(data));
    await writeFile(join(temporary, STATE_FILE), `${JSON.stringify(full, null, 2)}\n`);
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

/**
 * The directory to read a checkpoint from: `directory` itself, or `<directory>.previous` when a
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
    const state = JSON.parse(await readFile(join(resolved, STATE_FILE), 'utf8')) as TrainerState;
    if (state.format !== 'digitlab-trainer-state' || state.version !== 1) {
      throw new Error(`unknown format ${JSON.stringify(state.format)} version ${JSON.stringify(state.version)}`);
    }
    return { directory: resolved, state };
  } catch (error) {
    throw new CheckpointError(`cannot read checkpoint "${resolved}": ${STATE_FILE}: ${(error as Error).message}. ${DAMAGED_HINT}`, resolved, { cause: error });
  }
}

/** The tensors of `file` in a checkpoint folder, described by `specs` (caller disposes). */
async function readTensors(directory: string, file: string, specs: tf.io.WeightsManifestEntry[]): Promise<Record<string, tf.Tensor>> {
  try {
    const bytes = await readFile(join(directory, file));
    return tf.io.decodeWeights(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength), specs) as Record<string, tf.Tensor>;
  } catch (error) {
    throw new CheckpointError(`cannot read checkpoint "${directory}": ${file}: ${(error as Error).message}. ${DAMAGED_HINT}`, directory, { cause: error });
  }
}

/** Reads `trainer-state.json` (validated) and the optimizer slot tensors (caller disposes them). */
export async function readCheckpoint(directory: string): Promise<{ directory: string; state: TrainerState; slots: Record<string, tf.Tensor> }> {
  const { directory: resolved, state } = await readTrainerState(directory);
  return { directory: resolved, state, slots: await readTensors(resolved, SLOTS_FILE, state.optimizer.slots) };
}

/** A checkpoint's weight average (decay and shadow tensors in `model.weights` order; caller disposes), or null without one. */
export async function readWeightAverage(directory: string): Promise<{ decay: number; values: tf.Tensor[] } | null> {
  const { directory: resolved, state } = await readTrainerState(directory);
  if (!state.ema) return null;
  const named = await readTensors(resolved, AVERAGE_FILE, state.ema.weights);
  return { decay: state.ema.decay, values: state.ema.weights.map((spec) => named[spec.name]!) };
}

/**
 * Restores a checkpoint into an existing model of the same architecture and into `optimizer`;
 * returns the trainer state. Weights are matched by order (names carry per-process counters).
 */
export async function restoreCheckpoint(directory: string, model: tfl.LayersModel, optimizer: Optimizer): Promise<TrainerState> {
  const { directory: resolved, state, slots } = await readCheckpoint(directory);
  try {
    const weights = await readLayersWeights(resolved);
    const targets = model.weights;
    if (weights.length !== targets.length) {
      throw new CheckpointError(`checkpoint "${resolved}" has ${weights.length} weight tensors but the model has ${targets.length}: it was saved from another architecture`, resolved);
    }
    targets.forEach((target, i) => {
      if (!tf.util.arraysEqual(target.shape as number[], weights[i]!.shape)) {
        throw new CheckpointError(`checkpoint "${resolved}": weight ${i} (${target.name}) has shape [${weights[i]!.shape.join(', ')}], the model expects [${target.shape.join(', ')}]`, resolved);
      }
    });
    model.setWeights(weights);
    tf.dispose(weights);
    optimizer.setState({ config: state.optimizer.config, iterations: state.optimizer.iterations, slots });
    return state;
  } finally {
    tf.dispose(Object.values(slots));
  }
}

/** Writes a LayersModel in the stock tfjs layers format: `model.json` + `weights.bin`. */
export async function writeLayersModel(model: tfl.LayersModel, directory: string): Promise<void> {
  await mkdir(directory, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = new Uint8Array(artifacts.weightData as ArrayBuffer);
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

/** The weight tensors of a saved layers model, in manifest order (caller disposes). */
async function readLayersWeights(directory: string): Promise<tf.Tensor[]> {
  const manifest = JSON.parse(await readFile(join(directory, 'model.json'), 'utf8')) as { weightsManifest: tf.io.WeightsManifestConfig };
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Uint8Array[] = [];
  for (const group of manifest.weightsManifest) {
    specs.push(...group.weights);
    for (const path of group.paths) buffers.push(await readFile(join(directory, path)));
  }
  const joined = new Uint8Array(buffers.reduce((sum, part) => sum + part.byteLength, 0));
  let offset = 0;
  for (const part of buffers) {
    joined.set(part, offset);
    offset += part.byteLength;
  }
  const named = tf.io.decodeWeights(joined.buffer, specs);
  return specs.map((spec) => named[spec.name]!);
}
