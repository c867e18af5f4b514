/**
 * Runs a {@link FinetunePlan}: one `fit` per stage (a fresh optimizer each, since the set of
 * trainable variables changes between stages), discriminative learning rates per group, and,
 * with validation batches, the weights of the best validation epoch restored at the end.
 * The adalora strategy also runs its budget allocator after every step.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Callback, EpochLogs } from '../callbacks.js';
import { fit, type BatchSource } from '../fit.js';
import type { CheckpointName, CheckpointStore } from '../checkpoint.js';
import { adam } from '../optimizers/adam.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import type { ScheduleConfig } from '../schedules.js';
import type { Batch, LossFunction } from '../train-step.js';
import { createAdaLoraAllocator, trackCurrentBatch } from './adalora-allocator.js';
import { FinetuneError } from './finetune-error.js';
import { countParameters, type ParameterCount } from './parameters.js';
import { enterStage, groupLearningRateScales, type FinetunePlan } from './prepare-finetune.js';

/** Options of {@link finetune}. */
export interface FinetuneOptions {
  /** Total epochs. Gradual unfreezing moves to the next stage every `epochsPerStage`; the last stage takes what is left. */
  epochs: number;
  /** Peak learning rate of the head group (lower groups get `lr · factor^distance`). */
  learningRate: number;
  /** Makes the optimizer of each stage; default `adam()`. */
  optimizer?: () => Optimizer;
  /** Learning-rate shape within each stage; default 'cosine' (decays to 0 at the end of the stage). */
  schedule?: 'constant' | 'cosine' | 'one-cycle';
  /** Batches per epoch, for cosine/one-cycle; default: the source's `numBatches` (as `createBatches` has). */
  stepsPerEpoch?: number;
  /** Validation batches, evaluated after every epoch. */
  validation?: () => Iterable<Batch>;
  /** With validation: end with the weights of the best validation-accuracy epoch. Default true. */
  restoreBest?: boolean;
  /** Dropout masks; default 0. */
  seed?: number;
  labelSmoothing?: number;
  loss?: LossFunction;
  callbacks?: readonly Callback[];
  /**
   * Where `last` (after every epoch) and `best` (on each validation improvement) checkpoints go, as
   * in `fit` (a folder store from `@digitlab/trainer/node`, an IndexedDB store in a page); with
   * several stages each stage writes there in turn.
   */
  checkpoints?: CheckpointStore;
  /**
   * A checkpoint of this same plan to continue from: weights, optimizer state, epoch and step.
   * Single-stage strategies only: a stage change rebuilds the optimizer.
   */
  resumeFrom?: { store: CheckpointStore; name: CheckpointName };
  /** With `checkpoints`: also write `last` every this many steps, as in `fit`. */
  checkpointEverySteps?: number;
  /** Told when each stage starts, e.g. for a log line. */
  onStage?: (info: { stage: number; groups: string[]; epochs: number; parameters: ParameterCount }) => void;
}

/** What {@link finetune} returns. */
export interface FinetuneResult {
  /** Every epoch of every stage; `epoch` counts from the start of the run. */
  history: EpochLogs[];
  stages: { groups: string[]; epochs: number; parameters: ParameterCount }[];
  /** The epoch (1-based) whose weights the model ends with when the best was restored. */
  best?: { epoch: number; accuracy: number };
  /** Parameters trainable in the last stage. */
  parameters: ParameterCount;
  trainSeconds: number;
}

/** Fine-tunes `plan.model` in place; see {@link FinetuneOptions}. */
export async function finetune(plan: FinetunePlan, train: BatchSource, options: FinetuneOptions): Promise<FinetuneResult> {
  const { epochs, learningRate, schedule = 'cosine', restoreBest = true } = options;
  if (!Number.isInteger(epochs) || epochs < 1) throw new FinetuneError(`epochs must be a positive integer, got ${JSON.stringify(epochs)}`);
  if (!(learningRate > 0 && Number.isFinite(learningRate))) throw new FinetuneError(`learningRate must be a positive number, got ${JSON.stringify(learningRate)}`);
  const stepsPerEpoch = options.stepsPerEpoch ?? (train(0) as Partial<{ numBatches: number }>).numBatches;
  if (schedule !== 'constant' && !(stepsPerEpoch && stepsPerEpoch > 0)) {
    throw new FinetuneError(`The ${schedule} schedule needs stepsPerEpoch (the batch source has no numBatches); pass stepsPerEpoch or schedule: 'constant'`);
  }
  if (options.resumeFrom && plan.stages.length > 1) {
    throw new FinetuneError(`resumeFrom needs a single-stage strategy; this plan has ${plan.stages.length} stages (gradual unfreezing rebuilds the optimizer at each). Start the run again instead.`);
  }
  const model = plan.model;
  checkClassCount(model, train);
  let adaLora: { allocator: ReturnType<typeof createAdaLoraAllocator>; batches: ReturnType<typeof trackCurrentBatch> } | undefined;
  if (plan.strategy.kind === 'adalora') {
    if (!(stepsPerEpoch && stepsPerEpoch > 0)) throw new FinetuneError('The adalora strategy needs stepsPerEpoch (its budget schedule is in steps); pass stepsPerEpoch or a source with numBatches');
    const batches = trackCurrentBatch(train);
    const { targetRank = Math.max(1, Math.floor(plan.strategy.rank / 2)), orthogonality } = plan.strategy;
    const allocator = createAdaLoraAllocator(model, { targetRank, totalSteps: epochs * stepsPerEpoch, currentBatch: batches.current, ...(orthogonality === undefined ? {} : { orthogonality }) });
    adaLora = { allocator, batches };
    train = batches.source;
  }
  const history: EpochLogs[] = [];
  const stages: FinetuneResult['stages'] = [];
  let best: { epoch: number; accuracy: number; weights: tf.Tensor[] } | undefined;
  let done = 0;
  try {
    for (let index = 0; index < plan.stages.length && done < epochs; index++) {
      const isLast = index === plan.stages.length - 1;
      const stageEpochs = isLast ? epochs - done : Math.min(plan.stages[index]!.epochs ?? epochs, epochs - done);
      enterStage(plan, index);
      const parameters = countParameters(model);
      const groups = plan.stages[index]!.groups;
      stages.push({ groups, epochs: stageEpochs, parameters });
      options.onStage?.({ stage: index, groups, epochs: stageEpochs, parameters });
      const optimizer = (options.optimizer ?? (() => adam()))();
      const offset = done;
      const stageSchedule: ScheduleConfig =
        schedule === 'constant' ? { kind: 'constant', learningRate } : { kind: schedule, learningRate, totalSteps: stageEpochs * stepsPerEpoch! };
      const scales = groupLearningRateScales(plan);
      try {
        const result = await fit(model, (epoch) => train(offset + epoch), {
          epochs: stageEpochs,
          optimizer,
          schedule: stageSchedule,
          seed: (options.seed ?? 0) + offset,
          ...(options.labelSmoothing === undefined ? {} : { labelSmoothing: options.labelSmoothing }),
          ...(options.loss ? { loss: options.loss } : {}),
          ...(scales ? { learningRateScales: scales } : {}),
          ...(options.validation ? { validation: options.validation } : {}),
          ...(options.checkpoints ? { checkpoints: options.checkpoints } : {}),
          ...(options.checkpointEverySteps ? { checkpointEverySteps: options.checkpointEverySteps } : {}),
          ...(options.resumeFrom ? { resumeFrom: options.resumeFrom } : {}),
          callbacks: [
            ...(adaLora ? [adaLora.allocator.callback] : []),
            ...(options.callbacks ?? []),
            {
              onEpochEnd: (logs) => {
                const accuracy = logs.validation?.accuracy;
                if (restoreBest && accuracy !== undefined && (!best || accuracy > best.accuracy)) {
                  if (best) tf.dispose(best.weights);
                  best = { epoch: offset + logs.epoch + 1, accuracy, weights: model.weights.map((weight) => tf.clone(weight.read())) };
                }
              },
            },
          ],
        });
        history.push(...result.history.map((logs) => ({ ...logs, epoch: offset + logs.epoch })));
        done += result.epochs;
        if (result.stopReason) break;
      } finally {
        optimizer.dispose();
      }
    }
    if (best) {
      const saved = best.weights;
      model.weights.forEach((weight, index) => weight.write(saved[index]!));
    }
  } finally {
    if (best) tf.dispose(best.weights);
    adaLora?.allocator.dispose();
    adaLora?.batches.dispose();
  }
  return {
    history,
    stages,
    ...(best ? { best: { epoch: best.epoch, accuracy: best.accuracy } } : {}),
    parameters: countParameters(model),
    trainSeconds: history.reduce((sum, logs) => sum + logs.trainSeconds, 0),
  };
}

/** Fails early, with what to do, when the data's classes do not fit the model's outputs (a shape error deep in the loss otherwise). */
function checkClassCount(model: FinetunePlan['model'], train: BatchSource): void {
  const shape = model.outputs[0]?.shape;
  const outputs = shape?.[shape.length - 1];
  const iterator = train(0)[Symbol.iterator]();
  const first = iterator.next();
  iterator.return?.();
  if (first.done) throw new FinetuneError('The training data yielded no batches; give it at least one image');
  const { xs, ys } = first.value;
  try {
    const classes = ys.rank === 2 ? ys.shape[1]! : tf.tidy(() => tf.max(ys).dataSync()[0]! + 1);
    const mismatch = ys.rank === 2 ? classes !== outputs : classes > (outputs ?? 0);
    if (mismatch) {
      throw new FinetuneError(
        `The data has ${ys.rank === 2 ? `${classes} classes (one-hot width)` : `labels up to ${classes - 1}`} but the model outputs ${String(outputs)} classes. Pass numClasses: ${classes} to prepareFinetune to put a new head on the backbone, or batch the data with numClasses: ${String(outputs)}.`,
      );
    }
  } finally {
    tf.dispose([xs, ys]);
  }
}
