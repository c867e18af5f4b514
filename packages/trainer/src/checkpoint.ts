/**
 * Checkpoints without a file system: what a checkpoint holds, the store interface it is written to
 * (a Node folder in `@digitlab/trainer/node`, IndexedDB in a page), and the encoding of the
 * optimizer state and the weight average, shared by every store.
 *
 * A checkpoint is the model (tfjs layers format), the trainer state (epoch, step, schedule, best
 * metric, RNG seed, optimizer config), the optimizer's slot tensors (described by the weight specs
 * in the state) and, with a weight average (`fit`'s `ema`), its shadow weights.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { CheckpointError } from './errors.js';
import type { Optimizer, OptimizerConfig } from './optimizers/optimizer.js';
import type { ScheduleConfig } from './schedules.js';
import type { WeightAverage } from './weight-average.js';

/** What a checkpoint's trainer state (`trainer-state.json` in a folder) holds. */
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
  /** The moving average of the weights, when the run keeps one: its decay and the specs of its tensors. */
  ema?: { decay: number; weights: tf.io.WeightsManifestEntry[] };
}

/** A checkpoint's name in its store: `fit` writes `last` (every epoch) and `best` (each validation improvement). */
export type CheckpointName = 'best' | 'last' | (string & {});

/** Encoded tensors: their specs and their bytes, as `tf.io.encodeWeights` makes them. */
export interface EncodedTensors {
  specs: tf.io.WeightsManifestEntry[];
  data: ArrayBuffer;
}

/** What a store writes beside the model. */
export interface CheckpointContents {
  state: TrainerState;
  /** The optimizer slot tensors, described by `state.optimizer.slots`. */
  slots: ArrayBuffer;
  /** The weight average's tensors, described by `state.ema.weights`, when the run keeps one. */
  average?: ArrayBuffer;
}

/** A checkpoint read back from a store. */
export interface LoadedCheckpoint extends CheckpointContents {
  /** The model's weights in `model.weights` order. */
  weights: EncodedTensors;
  /** Where it was read from, for messages. */
  location: string;
}

/**
 * Where checkpoints live: `folderCheckpointStore(dir)` from `@digitlab/trainer/node` (one folder per
 * checkpoint, written atomically), `indexedDbCheckpointStore(name)` in a page, or your own.
 */
export interface CheckpointStore {
  /** Where checkpoint `name` lives, for messages (a folder path, an `indexeddb://` URL). */
  describe(name: CheckpointName): string;
  /** Writes checkpoint `name` atomically: a reader sees the previous checkpoint or the new one, never a mix. */
  save(name: CheckpointName, model: tfl.LayersModel, contents: CheckpointContents): Promise<void>;
  /** Reads checkpoint `name`; rejects with a {@link CheckpointError} when it is missing or damaged. */
  load(name: CheckpointName): Promise<LoadedCheckpoint>;
  /** The names of the checkpoints present. */
  list(): Promise<CheckpointName[]>;
}

/** Checks a parsed trainer state; `where` names it in the error. */
export function validateTrainerState(value: unknown, where: string): TrainerState {
  const state = value as Partial<TrainerState> | null;
  if (typeof state !== 'object' || state === null || state.format !== 'digitlab-trainer-state' || state.version !== 1) {
    throw new Error(`unknown format ${JSON.stringify(state?.format)} version ${JSON.stringify(state?.version)} in ${where}`);
  }
  return state as TrainerState;
}

/**
 * Writes checkpoint `name` of `model`, `optimizer` and (optionally) the weight `average` to
 * `store`. `state.optimizer` and `state.ema` are filled in here.
 */
export async function writeCheckpoint(
  store: CheckpointStore,
  name: CheckpointName,
  model: tfl.LayersModel,
  optimizer: Optimizer,
  state: Omit<TrainerState, 'format' | 'version' | 'optimizer' | 'ema'>,
  average?: WeightAverage,
): Promise<void> {
  const optimizerState = optimizer.getState();
  const slots = await tf.io.encodeWeights(optimizerState.slots);
  const full: TrainerState = {
    format: 'digitlab-trainer-state',
    version: 1,
    ...state,
    optimizer: { config: optimizerState.config, iterations: optimizerState.iterations, slots: slots.specs },
  };
  let averageData: ArrayBuffer | undefined;
  if (average) {
    const named = Object.fromEntries(average.values().map((tensor, i) => [`average/${i}`, tensor]));
    const encoded = await tf.io.encodeWeights(named);
    full.ema = { decay: average.decay, weights: encoded.specs };
    averageData = encoded.data;
  }
  await store.save(name, model, { state: full, slots: slots.data, ...(averageData ? { average: averageData } : {}) });
}

function decode(checkpoint: LoadedCheckpoint, what: string, data: ArrayBuffer, specs: tf.io.WeightsManifestEntry[]): tf.NamedTensorMap {
  try {
    return tf.io.decodeWeights(data, specs);
  } catch (error) {
    throw new CheckpointError(
      `cannot read checkpoint "${checkpoint.location}": ${what}: ${(error as Error).message}. Its data is damaged: resume from the run's other checkpoint (last or best), or start the run again.`,
      checkpoint.location,
      { cause: error },
    );
  }
}

/**
 * Restores a loaded checkpoint into an existing model of the same architecture and into
 * `optimizer`; returns the trainer state. Weights are matched by order (names carry per-process counters).
 */
export function applyCheckpoint(checkpoint: LoadedCheckpoint, model: tfl.LayersModel, optimizer: Optimizer): TrainerState {
  const where = checkpoint.location;
  const slots = decode(checkpoint, 'optimizer state', checkpoint.slots, checkpoint.state.optimizer.slots);
  try {
    const named = decode(checkpoint, 'model weights', checkpoint.weights.data, checkpoint.weights.specs);
    const weights = checkpoint.weights.specs.map((spec) => named[spec.name]!);
    try {
      const targets = model.weights;
      if (weights.length !== targets.length) {
        throw new CheckpointError(`checkpoint "${where}" has ${weights.length} weight tensors but the model has ${targets.length}: it was saved from another architecture`, where);
      }
      targets.forEach((target, i) => {
        if (!tf.util.arraysEqual(target.shape as number[], weights[i]!.shape)) {
          throw new CheckpointError(`checkpoint "${where}": weight ${i} (${target.name}) has shape [${weights[i]!.shape.join(', ')}], the model expects [${target.shape.join(', ')}]`, where);
        }
      });
      model.setWeights(weights);
    } finally {
      tf.dispose(weights);
    }
    optimizer.setState({ config: checkpoint.state.optimizer.config, iterations: checkpoint.state.optimizer.iterations, slots });
    return checkpoint.state;
  } finally {
    tf.dispose(Object.values(slots));
  }
}

/** A loaded checkpoint's weight average (decay and shadow tensors in `model.weights` order; caller disposes), or null without one. */
export function decodeWeightAverage(checkpoint: LoadedCheckpoint): { decay: number; values: tf.Tensor[] } | null {
  const { ema } = checkpoint.state;
  if (!ema) return null;
  if (!checkpoint.average) throw new CheckpointError(`checkpoint "${checkpoint.location}" declares a weight average but holds none. Resume from the run's other checkpoint, or start the run again.`, checkpoint.location);
  const named = decode(checkpoint, 'weight average', checkpoint.average, ema.weights);
  return { decay: ema.decay, values: ema.weights.map((spec) => named[spec.name]!) };
}
