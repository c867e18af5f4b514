/**
 * The training loop: epochs of {@link trainStepAsync} over a batch source, validation after each epoch,
 * model selection on the validation split (checkpoint `best`), early stopping, checkpoints
 * (`last`) in any {@link CheckpointStore}, exact resume, callbacks, and optionally a moving average of the weights (`ema`). All
 * randomness comes from `seed`, the epoch and the step, so the same seed on the same backend gives
 * the same weights, and a resumed run the weights of an uninterrupted one.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { BatchLogs, Callback, EpochLogs, TrainingControl } from './callbacks.js';
import { type CheckpointName, type CheckpointStore, type LoadedCheckpoint, type TrainerState, applyCheckpoint, decodeWeightAverage, writeCheckpoint } from './checkpoint.js';
import { NonFiniteLossError, TrainerOptionError } from './errors.js';
import { evaluate } from './evaluate.js';
import type { Optimizer } from './optimizers/optimizer.js';
import { learningRateAt, momentumAt, validateSchedule, type ScheduleConfig } from './schedules.js';
import { trainStepAsync, type Batch, type LossFunction } from './train-step.js';
import { validateAverageDecay, WeightAverage } from './weight-average.js';

/** Yields the batches of one epoch (shuffled by `epoch`); the loop disposes each batch. */
export type BatchSource = (epoch: number) => Iterable<Batch>;

/** Options of {@link fit}. */
export interface FitOptions {
  /** Total epochs of the run (a resumed run counts the epochs already done). */
  epochs: number;
  optimizer: Optimizer;
  /** Learning-rate schedule; its `totalSteps` (cosine, one-cycle) should be `epochs × batches per epoch`. */
  schedule: ScheduleConfig;
  /** Run seed for dropout masks (the batch source shuffles with its own seed); default 0. */
  seed?: number;
  labelSmoothing?: number;
  l2?: number;
  clipNorm?: number;
  /** Replaces softmax cross-entropy. */
  loss?: LossFunction;
  /** Per-variable learning-rate multipliers, in `model.trainableWeights` order (see `StepHyperParameters`). */
  learningRateScales?: readonly number[];
  /** Validation batches, evaluated after every epoch; model selection and early stopping use them. */
  validation?: () => Iterable<Batch>;
  /** Validation metric that selects checkpoint `best` and drives early stopping; default 'accuracy'. */
  monitor?: 'accuracy' | 'loss';
  /** Stop when the monitored metric has not improved by `minDelta` for `patience` epochs. */
  earlyStopping?: { patience: number; minDelta?: number };
  /**
   * Where checkpoint `last` is written after every epoch and `best` on each validation improvement:
   * `folderCheckpointStore(dir)` (`@digitlab/trainer/node`), `indexedDbCheckpointStore(name)` in a page.
   */
  checkpoints?: CheckpointStore;
  /** Also write `last` every this many steps inside an epoch. */
  checkpointEverySteps?: number;
  /** A checkpoint to continue from (e.g. `{ store, name: 'last' }`); its schedule and seed win. */
  resumeFrom?: { store: CheckpointStore; name: CheckpointName };
  /** Extra fields stored in every checkpoint's trainer-state.json. */
  extraState?: Record<string, unknown>;
  /**
   * Keep an exponential moving average of the weights with this decay (e.g. 0.999; see
   * weight-average.ts): validation, model selection and checkpoint `best` use the averaged weights, `last`
   * holds the raw ones and the average (a resume continues both), and when `fit` returns the model
   * holds the average.
   */
  ema?: number;
  callbacks?: readonly Callback[];
}

/** What {@link fit} returns. */
export interface FitResult {
  /** Epochs completed (including those before a resume). */
  epochs: number;
  /** Updates applied in total. */
  step: number;
  history: EpochLogs[];
  best: TrainerState['best'];
  /** Why training ended before `epochs`, if it did (early stopping or a callback). */
  stopReason?: string;
}

/** Trains `model` in place; see {@link FitOptions}. */
export async function fit(model: tfl.LayersModel, train: BatchSource, options: FitOptions): Promise<FitResult> {
  const { optimizer, epochs, callbacks = [], monitor = 'accuracy' } = options;
  if (!Number.isInteger(epochs) || epochs < 1) throw new TrainerOptionError(`epochs must be a positive integer, got ${String(epochs)}`);
  validateSchedule(options.schedule);
  if (options.ema !== undefined) validateAverageDecay(options.ema);
  const store = options.checkpoints;

  let stopReason: string | undefined;
  const control: TrainingControl = {
    model,
    optimizer,
    epochs,
    stop: (reason = 'stopped by a callback') => {
      stopReason ??= reason;
    },
  };

  // Where the run stands; a resume loads it from the checkpoint.
  let state: Omit<TrainerState, 'format' | 'version' | 'optimizer' | 'ema'> = {
    epoch: 0,
    step: 0,
    stepInEpoch: 0,
    rng: { algorithm: 'splitmix32-counter', seed: options.seed ?? 0 },
    schedule: options.schedule,
    best: null,
    epochsWithoutImprovement: 0,
    ...(options.extraState ? { extra: options.extraState } : {}),
  };
  let resumed: LoadedCheckpoint | undefined;
  if (options.resumeFrom) {
    resumed = await options.resumeFrom.store.load(options.resumeFrom.name);
    const where = resumed.location;
    const saved = resumed.state;
    if (JSON.stringify(saved.optimizer.config) !== JSON.stringify(optimizer.config)) {
      throw new TrainerOptionError(
        `cannot resume from "${where}": it was trained with optimizer ${JSON.stringify(saved.optimizer.config)}, not ${JSON.stringify(optimizer.config)}. Pass the same optimizer settings.`,
      );
    }
    if ((saved.ema?.decay ?? null) !== (options.ema ?? null)) {
      const was = saved.ema ? `with a weight average (ema ${saved.ema.decay})` : 'without a weight average';
      throw new TrainerOptionError(`cannot resume from "${where}": it was trained ${was}, not ${options.ema === undefined ? 'without one' : `with ema ${options.ema}`}. Pass the same ema setting.`);
    }
    const { format: _format, version: _version, optimizer: _optimizer, ema: _ema, ...rest } = applyCheckpoint(resumed, model, optimizer);
    state = { ...rest, ...(options.extraState ? { extra: options.extraState } : {}) };
  }
  const average = options.ema === undefined ? undefined : createAverage(model, options.ema, resumed);
  try {
    const { schedule } = state;
    const seed = state.rng.seed;
    const history: EpochLogs[] = [];
    const checkpoint = async (name: 'last' | 'best') => {
      if (!store) return;
      const save = () => writeCheckpoint(store, name, model, optimizer, state, average);
      // best is what selection evaluated: the averaged weights when there is an average.
      await (name === 'best' && average ? average.withAveragedWeights(model, save) : save());
    };

    for (const callback of callbacks) await callback.onTrainBegin?.({ epoch: state.epoch, step: state.step }, control);

    while (state.epoch < epochs && stopReason === undefined) {
      const epoch = state.epoch;
      for (const callback of callbacks) await callback.onEpochBegin?.(epoch, control);
      const skip = state.stepInEpoch;
      let batchIndex = 0;
      let lossSum = 0;
      let correctSum = 0;
      let images = 0;
      let learningRate = learningRateAt(schedule, state.step);
      let trainSeconds = 0;

      for (const batch of train(epoch)) {
        // A mid-epoch resume replays the epoch's batch order and skips what was already applied.
        if (batchIndex < skip) {
          disposeBatch(batch);
          batchIndex += 1;
          continue;
        }
        learningRate = learningRateAt(schedule, state.step);
        const started = performance.now();
        let result;
        try {
          result = await trainStepAsync(model, batch, optimizer, {
            learningRate,
            momentum: momentumAt(schedule, state.step),
            labelSmoothing: options.labelSmoothing,
            l2: options.l2,
            clipNorm: options.clipNorm,
            loss: options.loss,
            ...(options.learningRateScales ? { learningRateScales: options.learningRateScales } : {}),
            step: state.step,
            epoch,
            seed,
          });
        } catch (error) {
          if (error instanceof NonFiniteLossError) throw withCheckpointHint(error, store, state);
          throw error;
        } finally {
          disposeBatch(batch);
        }
        state.step += 1;
        average?.update(model, state.step);
        trainSeconds += (performance.now() - started) / 1000;
        state.stepInEpoch += 1;
        lossSum += result.loss * batch.size;
        correctSum += result.accuracy * batch.size;
        images += batch.size;
        const logs: BatchLogs = { epoch, batch: batchIndex, step: state.step, size: batch.size, ...result, learningRate };
        for (const callback of callbacks) await callback.onBatchEnd?.(logs, control);
        batchIndex += 1;
        if (options.checkpointEverySteps && state.step % options.checkpointEverySteps === 0) await checkpoint('last');
        if (stopReason !== undefined) break;
      }
      if (stopReason !== undefined) {
        // Stopped inside the epoch: keep where we are, so a resume finishes this epoch.
        await checkpoint('last');
        break;
      }

      // The epoch is complete: validate, select, checkpoint.
      const validate = options.validation;
      // As many classes as the model has outputs (an 11-class fine-tuned head is not 10 digits).
      const classes = { numClasses: model.outputs[0]?.shape[model.outputs[0].shape.length - 1] ?? 10 };
      const validation = validate ? await (average ? average.withAveragedWeights(model, () => evaluate(model, validate(), classes)) : evaluate(model, validate(), classes)) : undefined;
      state.epoch = epoch + 1;
      state.stepInEpoch = 0;
      let improved = false;
      if (validation) {
        const value = validation[monitor];
        const minDelta = options.earlyStopping?.minDelta ?? 0;
        const better = state.best === null || (monitor === 'accuracy' ? value > state.best.value + minDelta : value < state.best.value - minDelta);
        if (better) {
          state.best = { metric: `validation.${monitor}`, value, epoch: state.epoch, step: state.step };
          state.epochsWithoutImprovement = 0;
          improved = true;
        } else {
          state.epochsWithoutImprovement += 1;
        }
        if (options.earlyStopping && state.epochsWithoutImprovement >= options.earlyStopping.patience) {
          stopReason ??= `early stopping: validation ${monitor} did not improve for ${state.epochsWithoutImprovement} epochs (best ${state.best!.value} at epoch ${state.best!.epoch})`;
        }
      }
      const epochLogs: EpochLogs = {
        epoch,
        step: state.step,
        loss: images ? lossSum / images : NaN,
        accuracy: images ? correctSum / images : NaN,
        learningRate,
        images,
        trainSeconds,
        ...(validation ? { validation: { loss: validation.loss, accuracy: validation.accuracy } } : {}),
        improved,
      };
      history.push(epochLogs);
      // Callbacks (a run's metrics log) see the epoch before its checkpoint is committed: a process
      // killed in between redoes the epoch on resume, so a caller that keeps a log drops the lines of
      // epochs the checkpoint does not hold (the CLI does), and no epoch's line is ever lost.
      for (const callback of callbacks) await callback.onEpochEnd?.(epochLogs, control);
      if (improved) await checkpoint('best');
      await checkpoint('last');
    }

    average?.applyTo(model);
    const result: FitResult = { epochs: state.epoch, step: state.step, history, best: state.best, ...(stopReason ? { stopReason } : {}) };
    for (const callback of callbacks) await callback.onTrainEnd?.({ epochs: result.epochs, step: result.step, stopReason }, control);
    return result;
  } finally {
    average?.dispose();
  }
}

/** A new weight average of `model`, or the one saved with the checkpoint a run resumes from. */
function createAverage(model: tfl.LayersModel, decay: number, resumed: LoadedCheckpoint | undefined): WeightAverage {
  const saved = resumed ? decodeWeightAverage(resumed) : null;
  try {
    return new WeightAverage(model, decay, saved?.values);
  } finally {
    if (saved) tf.dispose(saved.values);
  }
}

function disposeBatch(batch: Batch): void {
  const tensors: tf.Tensor[] = [batch.xs, batch.ys];
  for (const tensor of tensors) tensor.dispose();
}

function withCheckpointHint(error: NonFiniteLossError, store: CheckpointStore | undefined, state: { epoch: number; step: number }): NonFiniteLossError {
  const where = store
    ? `The last good checkpoint is kept in "${store.describe('last')}" (written at the end of epoch ${state.epoch}, or at the last step that checkpointEverySteps wrote); the weights in memory are those of step ${error.step}. Lower the learning rate, add warm-up or gradient clipping, and resume from it.`
    : 'The weights in memory are those before this step. Lower the learning rate, add warm-up or gradient clipping.';
  return new NonFiniteLossError(error.step, error.epoch, error.quantity, error.value, where);
}
