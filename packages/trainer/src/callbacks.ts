/**
 * Hooks a caller plugs into {@link fit} to observe or steer training (progress bars, logging,
 * custom stopping rules). Each hook may be async; `control.stop()` ends training after the
 * current batch.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Optimizer } from './optimizers/optimizer.js';

/** Metrics of one batch, measured before its update. */
export interface BatchLogs {
  epoch: number;
  /** Index of the batch within its epoch. */
  batch: number;
  /** Global step after this update (updates applied so far). */
  step: number;
  size: number;
  loss: number;
  accuracy: number;
  learningRate: number;
  gradientNorm: number;
}

/** Metrics of one epoch. */
export interface EpochLogs {
  epoch: number;
  /** Global step at the end of the epoch. */
  step: number;
  /** Mean training loss and accuracy over the epoch's batches (weighted by batch size). */
  loss: number;
  accuracy: number;
  /** Learning rate of the epoch's last update. */
  learningRate: number;
  /** Images trained on during this epoch. */
  images: number;
  /** Wall-clock seconds of the epoch's training steps (validation excluded). */
  trainSeconds: number;
  validation?: { loss: number; accuracy: number };
  /** True when this epoch set a new best validation metric (and wrote `best/`). */
  improved: boolean;
}

/** What a callback can see and do. */
export interface TrainingControl {
  readonly model: tfl.LayersModel;
  readonly optimizer: Optimizer;
  /** Epochs the run was asked for. */
  readonly epochs: number;
  /** Ends training after the current batch; `reason` ends up in the fit result. */
  stop(reason?: string): void;
}

/** A set of optional hooks. */
export interface Callback {
  onTrainBegin?(info: { epoch: number; step: number }, control: TrainingControl): void | Promise<void>;
  onEpochBegin?(epoch: number, control: TrainingControl): void | Promise<void>;
  onBatchEnd?(logs: BatchLogs, control: TrainingControl): void | Promise<void>;
  onEpochEnd?(logs: EpochLogs, control: TrainingControl): void | Promise<void>;
  onTrainEnd?(result: { epochs: number; step: number; stopReason?: string }, control: TrainingControl): void | Promise<void>;
}
