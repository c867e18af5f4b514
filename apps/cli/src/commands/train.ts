/**
 * `digitlab train` — trains a fresh zoo model on real MNIST (or `--data`: a slice of MNIST, a CSV,
 * a folder of your images) and leaves a run folder: config.json,
 * metrics.jsonl, checkpoints/{best,last}/, and the final model/ (the best epoch on the validation
 * split) with digitlab.json recording its test metrics. Defaults: fast-bn-cnn, Adam (β1 0.7, β2 0.9)
 * with one-cycle at lr 0.02, batch 128, 2 epochs: the README's main job, 99.2-99.3% test in about
 * 100 s of training on 2 cores (docs/results.md). The accuracy model is bn-cnn with --augment
 * (30 epochs, about two hours here; docs/pretrained-bn-cnn.md).
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createBatches, subsetDataset, RECOMMENDED_AUGMENTATION, type AugmentOptions, type DigitDataset } from '@digitlab/datasets/node';
import { createModel, listModels, loadModel, saveModel, type ModelMetadataInit } from '@digitlab/models/node';
import {
  adam,
  adamw,
  datasetBatches,
  evaluate,
  fit,
  formatClassificationReport,
  optimizerNames,
  scheduleKinds,
  sgd,
  type EpochLogs,
  type Optimizer,
  type OptimizerName,
  type ScheduleConfig,
  type ScheduleKind,
} from '@digitlab/trainer/node';
import { chooseBackend } from '../backends.js';
import { UsageError, createLogger, numberFlag, parseCommandArgs, runCommand, writeJson } from '../cli-support.js';
import { loadTrainingData } from '../data-input.js';
import { dataSpecForms, describeDataSpec, parseDataSpec } from '../data-spec.js';
import { labelsFlag } from '../flag-values.js';
import { describeModelSpec, parseModelSpec } from '../model-spec.js';
import { createProgress } from '../progress.js';
import { exitCodeForSignal, watchInterrupts } from '../interrupt.js';
import { assertBatchFits } from '../memory-estimate.js';
import { reportInterrupted, usableCheckpoint } from '../resume.js';
import { assertFreshRunFolder, appendMetrics, createRunDirectory, defaultRunFolder, findRunToResume, readRunConfig } from '../run-dir.js';
import { writeReport } from '../report/write-report.js';

/** The resolved configuration of a run, as written to config.json. */
export interface TrainConfig {
  model: string;
  /** `--data` in its canonical form (`mnist:digits=0,...,9` by default); absent in runs from before it existed. */
  data?: string;
  /** `--test`, or null: MNIST data brings its test split, a CSV or folder has none unless given. */
  test?: string | null;
  /** `--labels`, or null. */
  labels?: string[] | null;
  /** Share of a CSV or folder held out for validation (MNIST has its own 5,000). */
  validationFraction?: number;
  epochs: number;
  batchSize: number;
  optimizer: OptimizerName;
  lr: number;
  beta1: number;
  beta2: number;
  momentum: number;
  weightDecay: number;
  schedule: ScheduleKind;
  warmup: number;
  labelSmoothing: number;
  augment: boolean;
  /** Simard's elastic distortion (alpha pixels, sigma pixels), alone or on top of `augment`; null for none. */
  elastic?: { alpha: number; sigma: number } | null;
  seed: number;
  limit: number | null;
  normalization: 'mnist';
  validationSize: number;
  /** Decay of the moving average of the weights (validated, selected and saved), or null for none. */
  ema?: number | null;
  /** Checkpoint `last` every this many steps as well as every epoch; absent in runs from before it existed. */
  checkpointEverySteps?: number;
}

/**
 * Steps between mid-epoch checkpoints: 100 steps of the default job are about 15 s of training on
 * 2 cores (fast-bn-cnn, batch 128; docs/results.md, "Training to accuracy"), so an interrupt loses at
 * most that much, and a checkpoint (about 1 MB) costs well under 1% of it.
 */
export const DEFAULT_CHECKPOINT_EVERY_STEPS = 100;

/**
 * Peak learning rates that differ from `defaults.lr` for a model: batch norm lets fast-bn-cnn's
 * one-cycle peak twice as high, so it passes 99% test accuracy in fewer epochs than fast-cnn at
 * 0.01 (docs/results.md, "Training to accuracy").
 */
const modelLearningRates: Readonly<Record<string, number>> = { 'fast-bn-cnn': 0.02 };

const defaults: TrainConfig = {
  model: 'fast-bn-cnn',
  data: 'mnist',
  test: null,
  labels: null,
  validationFraction: 0.1,
  epochs: 2,
  batchSize: 128,
  optimizer: 'adam',
  lr: 0.01,
  beta1: 0.7,
  beta2: 0.9,
  momentum: 0.9,
  weightDecay: 0,
  schedule: 'one-cycle',
  warmup: 0,
  labelSmoothing: 0,
  augment: false,
  elastic: null,
  seed: 0,
  limit: null,
  normalization: 'mnist',
  validationSize: 5000,
  ema: null,
  checkpointEverySteps: DEFAULT_CHECKPOINT_EVERY_STEPS,
};

/** The `--help` text (also read by `digitlab completion` for the flags). */
export const usage = `usage: digitlab train [options]

Trains a fresh model on real MNIST (55,000 train / 5,000 validation / 10,000 test) or --data, and
writes a run folder.
  --model NAME           ${listModels().map((m) => m.name).join('|')} (default ${defaults.model})
  --data SPEC            ${dataSpecForms} (default mnist);
                         a CSV or folder keeps ${100 * defaults.validationFraction!}% for validation
  --test SPEC            test data for a CSV or folder (MNIST brings its test split)
  --labels A,B,..        class names of a folder whose sub-folders are not numbers, in label order
  --epochs N             (default ${defaults.epochs})
  --batch-size B         (default ${defaults.batchSize})
  --optimizer NAME       ${optimizerNames.join('|')} (default ${defaults.optimizer})
  --lr X                 peak learning rate (default ${defaults.lr}; ${Object.entries(modelLearningRates).map(([name, rate]) => `${name} ${rate}`).join(', ')})
  --beta1 X --beta2 X    Adam/AdamW betas (default ${defaults.beta1}, ${defaults.beta2}; one-cycle cycles beta1 0.95→0.85→0.95)
  --momentum X           SGD momentum (default ${defaults.momentum})
  --weight-decay X       L2 for sgdm/adam, decoupled for adamw (default 0; adamw 0.01)
  --schedule NAME        ${scheduleKinds.join('|')} (default ${defaults.schedule})
  --warmup STEPS         linear warm-up steps (default 0)
  --label-smoothing X    (default 0)
  --ema DECAY            keep a moving average of the weights (e.g. 0.999); validation, best/ and
                         the final model use it (default: none)
  --augment              random rotation ±10°, zoom 0.9-1.1, shift ±10%
  --elastic ALPHA,SIGMA  Simard's elastic distortion, alone or on top of --augment (Simard: 34,4)
  --backend NAME         auto|wasm|cpu|tensorflow|cuda (default auto)
  --threads N            wasm worker threads
  --seed S               weights, shuffling, dropout and augmentation (default 0)
  --limit N              train on the first N training images only (quick runs)
  --out DIR              run folder (default runs/<timestamp>-<model>)
  --resume DIR           continue the run in DIR from checkpoints/last (or best/ when last/ is
                         missing or damaged) with its own config
  --checkpoint-every-steps N
                         write checkpoints/last every N steps as well as every epoch (default
                         ${DEFAULT_CHECKPOINT_EVERY_STEPS}, about 15 s of the default job on 2 cores); Ctrl-C or
                         SIGTERM finishes the step, writes last/ and exits 130 / 143
  --no-report            skip writing RUN/report.html (curves, confusion matrix, mistakes, embedding)
  --config FILE          JSON file whose keys match these flags
  --json                 print one JSON object on stdout
`;

const flags = {
  model: { type: 'string' },
  data: { type: 'string' },
  test: { type: 'string' },
  labels: { type: 'string' },
  epochs: { type: 'string' },
  'batch-size': { type: 'string' },
  optimizer: { type: 'string' },
  lr: { type: 'string' },
  beta1: { type: 'string' },
  beta2: { type: 'string' },
  momentum: { type: 'string' },
  'weight-decay': { type: 'string' },
  schedule: { type: 'string' },
  warmup: { type: 'string' },
  'label-smoothing': { type: 'string' },
  ema: { type: 'string' },
  augment: { type: 'boolean' },
  elastic: { type: 'string' },
  backend: { type: 'string' },
  threads: { type: 'string' },
  seed: { type: 'string' },
  limit: { type: 'string' },
  out: { type: 'string' },
  resume: { type: 'string' },
  'checkpoint-every-steps': { type: 'string' },
  'no-report': { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

/** Flags that only mean something to some optimizers; given with another, they are a usage error. */
const optimizerOnlyFlags: Readonly<Record<string, readonly OptimizerName[]>> = {
  beta1: ['adam', 'adamw'],
  beta2: ['adam', 'adamw'],
  momentum: ['sgdm'],
};

/** Flags that may accompany --resume (they do not change what is computed). */
const resumeFlags = new Set(['resume', 'backend', 'threads', 'json', 'config', 'no-report', 'checkpoint-every-steps']);

/** Runs `digitlab train`. */
export async function run(argv: string[]): Promise<number> {
  return runCommand('train', argv, usage, async ({ json }) => {
    const { values } = parseCommandArgs(argv, flags);
    const logger = createLogger();

    let resumed: ReturnType<typeof findRunToResume> | undefined;
    let config: TrainConfig;
    const resume = typeof values.resume === 'string' ? values.resume : undefined;
    if (resume) {
      const extra = Object.keys(values).filter((flag) => values[flag] !== undefined && !resumeFlags.has(flag));
      if (extra.length > 0) {
        throw new UsageError(`--resume continues a run with its own config.json; drop ${extra.map((flag) => `--${flag}`).join(', ')} (only --backend, --threads, --checkpoint-every-steps and --json may change)`);
      }
      resumed = findRunToResume(resume);
      config = readRunConfig<TrainConfig>(resumed);
      if (values['checkpoint-every-steps'] !== undefined) config = { ...config, checkpointEverySteps: checkpointEveryFlag(values) };
    } else {
      config = resolveConfig(values);
    }
    const outFolder = resume ? undefined : typeof values.out === 'string' ? values.out : defaultRunFolder(config.model);
    // Nothing is written before the flags, the backend and the data have been checked.
    if (outFolder) assertFreshRunFolder(outFolder);

    const selection = await chooseBackend(typeof values.backend === 'string' ? values.backend : undefined, {
      threads: values.threads === undefined ? undefined : numberFlag(values, 'threads', 1, { integer: true, min: 1 }),
      logger,
    });
    const data = await loadTrainingData(parseDataSpec(config.data ?? 'mnist'), config.test ? parseDataSpec(config.test, '--test') : undefined, {
      seed: config.seed,
      validationFraction: config.validationFraction ?? defaults.validationFraction!,
      logger,
      ...(config.labels ? { labels: config.labels } : {}),
    });
    const classes = data.classes;
    const numClasses = classes.length;
    const train = config.limit === null ? data.train : firstImages(data.train, config.limit);
    logger.info(`data: ${train.size} train, ${data.validation.size} validation, ${data.test ? `${data.test.size} test` : 'no test'} images; classes ${classes.join(', ')}`);
    const model = createModel(config.model, { seed: config.seed, numClasses });
    assertBatchFits(model, config.batchSize, selection.chosen.name);
    const resumeFrom = resumed ? await usableCheckpoint(resumed, logger) : undefined;
    const run = resumed ?? createRunDirectory(outFolder!, config);
    logger.info(`run folder: ${run.root}${resumeFrom ? ` (resuming from checkpoints/${resumeFrom})` : ''}`);

    const optimizer = createCliOptimizer(config);
    const interrupts = watchInterrupts(logger);
    const stepsPerEpoch = Math.ceil(train.size / config.batchSize);
    const metadata: ModelMetadataInit = { architecture: config.model, labels: classes, input: { normalization: config.normalization }, training: { ...config } };
    const history: EpochLogs[] = [];

    const result = await fit(
      model,
      datasetBatches(train, { batchSize: config.batchSize, seed: config.seed, normalization: config.normalization, augment: augmentation(config), numClasses }),
      {
        epochs: config.epochs,
        optimizer,
        schedule: createSchedule(config, stepsPerEpoch),
        seed: config.seed,
        labelSmoothing: config.labelSmoothing,
        ...(typeof config.ema === 'number' ? { ema: config.ema } : {}),
        validation: () => createBatches(data.validation, { batchSize: 1000, shuffle: false, normalization: config.normalization, numClasses }),
        checkpointDirectory: run.checkpoints,
        checkpointEverySteps: config.checkpointEverySteps ?? DEFAULT_CHECKPOINT_EVERY_STEPS,
        writeModel: async (trained, directory) => {
          await saveModel(trained, directory, metadata);
        },
        ...(resumeFrom ? { resumeFrom: join(run.checkpoints, resumeFrom) } : {}),
        callbacks: [
          interrupts.callback,
          createProgress({ imagesPerEpoch: train.size, epochs: config.epochs }),
          {
            onEpochEnd: (logs) => {
              history.push(logs);
              appendMetrics(run, { type: 'epoch', ...logs });
            },
          },
        ],
      },
    ).finally(() => interrupts.dispose());
    optimizer.dispose();
    const signal = interrupts.received();
    if (signal && result.epochs < config.epochs) {
      model.dispose();
      await reportInterrupted(logger, signal, run, 'train');
      return exitCodeForSignal(signal);
    }

    // Model selection on the validation split only: the final model is best/, never picked on test.
    model.dispose();
    const { model: finalModel } = await loadModel(`${run.checkpoints}/${result.best ? 'best' : 'last'}`);
    const test = data.test ? evaluate(finalModel, createBatches(data.test, { batchSize: 1000, shuffle: false, normalization: config.normalization, numClasses }), { numClasses }) : undefined;
    if (test) appendMetrics(run, { type: 'eval', split: 'test', checkpoint: result.best ? 'best' : 'last', loss: test.loss, accuracy: test.accuracy, confusionMatrix: test.confusionMatrix, report: test.report });
    const trainSeconds = history.reduce((sum, logs) => sum + logs.trainSeconds, 0);
    const testMetrics = test ? { accuracy: test.accuracy, loss: test.loss, perClass: test.report.perClass, macro: test.report.macro, confusionMatrix: test.confusionMatrix } : undefined;
    const validationMetrics = result.best ? { validation: { [result.best.metric.replace('validation.', '')]: result.best.value, epoch: result.best.epoch } } : {};
    await saveModel(finalModel, run.model, {
      ...metadata,
      training: { ...config, epochsCompleted: result.epochs, steps: result.step, best: result.best, backend: selection.chosen.name, ...(result.stopReason ? { stopReason: result.stopReason } : {}) },
      metrics: { ...(testMetrics ? { test: testMetrics } : {}), ...validationMetrics },
    });
    finalModel.dispose();
    const report = values['no-report'] === true || !data.test ? undefined : await writeReport({ run: run.root, model: run.model, out: join(run.root, 'report.html'), embedding: 'umap', embeddingSize: 2000, seed: config.seed }, { test: data.test });
    if (report) logger.info(`report: ${report.out} (${report.seconds.total.toFixed(1)} s)`);

    if (json) {
      writeJson({
        runDirectory: run.root,
        modelDirectory: run.model,
        backend: selection.chosen.name,
        config,
        labels: classes,
        epochs: history.map(({ epoch, loss, accuracy, validation, trainSeconds: seconds, images }) => ({ epoch: epoch + 1, loss, accuracy, validation, trainSeconds: seconds, imagesPerSecond: images / seconds })),
        best: result.best,
        ...(result.stopReason ? { stopReason: result.stopReason } : {}),
        trainSeconds,
        test: testMetrics ?? null,
        ...(report ? { report: report.out } : {}),
      });
    } else {
      const which = result.best ? `best validation epoch (${result.best.epoch})` : 'last epoch';
      process.stdout.write(
        (test
          ? `\ntest accuracy ${(100 * test.accuracy).toFixed(2)}% (loss ${test.loss.toFixed(4)}) with the ${which}; ${trainSeconds.toFixed(1)} s of training on ${selection.chosen.name}\n\n` +
            `${formatClassificationReport(test.report, test.confusionMatrix, { labels: classes })}\n`
          : `\nno test data (pass --test for a CSV or folder); the model is the ${which}; ${trainSeconds.toFixed(1)} s of training on ${selection.chosen.name}\n`) +
          `\nmodel saved in ${run.model}\n`,
      );
    }
    if (tf.memory().numTensors > 0) logger.debug(`${tf.memory().numTensors} tensors still alive at exit`);
  });
}

/** --checkpoint-every-steps: a positive integer. */
function checkpointEveryFlag(values: Record<string, unknown>): number {
  return numberFlag(values, 'checkpoint-every-steps', DEFAULT_CHECKPOINT_EVERY_STEPS, { integer: true, min: 1 });
}

function resolveConfig(values: Record<string, unknown>): TrainConfig {
  const model = typeof values.model === 'string' ? describeModelSpec(parseModelSpec(values.model, { zoo: true, saved: false })) : defaults.model;
  const data = parseDataSpec(typeof values.data === 'string' ? values.data : 'mnist');
  const test = typeof values.test === 'string' ? parseDataSpec(values.test, '--test') : undefined;
  if (test && data.kind === 'mnist') throw new UsageError('--test is for CSV or folder data: MNIST data is tested on its own test split. Drop --test, or train on csv:FILE or folder:DIR.');
  const optimizer = (typeof values.optimizer === 'string' ? values.optimizer : defaults.optimizer) as OptimizerName;
  if (!optimizerNames.includes(optimizer)) throw new UsageError(`--optimizer: unknown optimizer "${optimizer}". Should be one of: ${optimizerNames.join(', ')}`);
  for (const [flag, optimizers] of Object.entries(optimizerOnlyFlags)) {
    if (values[flag] !== undefined && !optimizers.includes(optimizer)) {
      throw new UsageError(`--${flag} applies to --optimizer ${optimizers.join(' or ')} only, and this run uses ${optimizer}: drop --${flag}, or pick --optimizer ${optimizers[0]}.`);
    }
  }
  const schedule = (typeof values.schedule === 'string' ? values.schedule : defaults.schedule) as ScheduleKind;
  if (!scheduleKinds.includes(schedule)) throw new UsageError(`--schedule: unknown schedule "${schedule}". Should be one of: ${scheduleKinds.join(', ')}`);
  const fraction = (flag: string, fallback: number) => {
    const value = numberFlag(values, flag, fallback, { min: 0 });
    if (value >= 1) throw new UsageError(`--${flag} must be below 1, got "${String(values[flag])}"`);
    return value;
  };
  const lr = numberFlag(values, 'lr', modelLearningRates[model] ?? defaults.lr, { min: 0 });
  if (lr === 0) throw new UsageError('--lr must be above 0, got "0"');
  return {
    model,
    data: describeDataSpec(data),
    test: test ? describeDataSpec(test) : null,
    labels: labelsFlag(values) ?? null,
    validationFraction: defaults.validationFraction!,
    epochs: numberFlag(values, 'epochs', defaults.epochs, { integer: true, min: 1 }),
    batchSize: numberFlag(values, 'batch-size', defaults.batchSize, { integer: true, min: 1 }),
    optimizer,
    lr,
    beta1: fraction('beta1', defaults.beta1),
    beta2: fraction('beta2', defaults.beta2),
    momentum: fraction('momentum', defaults.momentum),
    weightDecay: numberFlag(values, 'weight-decay', optimizer === 'adamw' ? 0.01 : defaults.weightDecay, { min: 0 }),
    schedule,
    warmup: numberFlag(values, 'warmup', defaults.warmup, { integer: true, min: 0 }),
    labelSmoothing: fraction('label-smoothing', defaults.labelSmoothing),
    augment: values.augment === true || values.augment === 'true',
    elastic: elasticFlag(values),
    seed: numberFlag(values, 'seed', defaults.seed, { integer: true, min: 0 }),
    limit: values.limit === undefined ? null : numberFlag(values, 'limit', 0, { integer: true, min: 1 }),
    normalization: 'mnist',
    validationSize: defaults.validationSize,
    ema: emaDecay(values),
    checkpointEverySteps: checkpointEveryFlag(values),
  };
}

/** What each training image goes through: `--augment`'s affine recipe and/or `--elastic`; false for none. */
export function augmentation(config: Pick<TrainConfig, 'augment' | 'elastic'>): AugmentOptions | false {
  if (!config.augment && !config.elastic) return false;
  return { ...(config.augment ? RECOMMENDED_AUGMENTATION : {}), ...(config.elastic ? { elastic: { ...config.elastic } } : {}) };
}

/** --elastic ALPHA,SIGMA: two positive numbers (sigma at most 28 pixels), or null when absent. */
function elasticFlag(values: Record<string, unknown>): { alpha: number; sigma: number } | null {
  if (values.elastic === undefined) return null;
  const raw = String(values.elastic);
  const parts = raw.split(',').map((part) => (part.trim() === '' ? Number.NaN : Number(part)));
  const [alpha, sigma] = parts as [number, number];
  if (parts.length !== 2 || !(alpha > 0 && Number.isFinite(alpha)) || !(sigma > 0 && sigma <= 28)) {
    throw new UsageError(`--elastic must be ALPHA,SIGMA in pixels with alpha > 0 and sigma in (0, 28], e.g. 34,4 (Simard); got "${raw}"`);
  }
  return { alpha, sigma };
}

/** --ema: a decay strictly between 0 and 1, or null when absent. */
function emaDecay(values: Record<string, unknown>): number | null {
  if (values.ema === undefined) return null;
  const decay = numberFlag(values, 'ema', 0, { min: 0 });
  if (!(decay > 0 && decay < 1)) throw new UsageError(`--ema must be a decay between 0 and 1 (exclusive), e.g. 0.999; got "${String(values.ema)}"`);
  return decay;
}

function createCliOptimizer(config: TrainConfig): Optimizer {
  switch (config.optimizer) {
    case 'sgdm':
      return sgd({ momentum: config.momentum, weightDecay: config.weightDecay });
    case 'adam':
      return adam({ beta1: config.beta1, beta2: config.beta2, weightDecay: config.weightDecay });
    case 'adamw':
      return adamw({ beta1: config.beta1, beta2: config.beta2, weightDecay: config.weightDecay });
  }
}

function createSchedule(config: TrainConfig, stepsPerEpoch: number): ScheduleConfig {
  const totalSteps = config.epochs * stepsPerEpoch;
  const base = { learningRate: config.lr, warmupSteps: config.warmup };
  switch (config.schedule) {
    case 'constant':
      return { kind: 'constant', ...base };
    case 'step':
      // Divide by 10 at two thirds of the run: the classic step recipe without another flag.
      return { kind: 'step', ...base, stepSize: Math.max(1, Math.round((2 * totalSteps) / 3)), gamma: 0.1 };
    case 'cosine':
      return { kind: 'cosine', ...base, totalSteps };
    case 'one-cycle':
      return { kind: 'one-cycle', ...base, totalSteps };
  }
}

function firstImages(dataset: DigitDataset, limit: number): DigitDataset {
  return limit >= dataset.size ? dataset : subsetDataset(dataset, Array.from({ length: limit }, (_, i) => i));
}

