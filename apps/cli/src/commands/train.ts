/**
 * `digitlab train` — trains a zoo model on real MNIST and leaves a run folder: config.json,
 * metrics.jsonl, checkpoints/{best,last}/, and the final model/ (the best epoch on the validation
 * split) with digitlab.json recording its test metrics. Defaults: fast-bn-cnn, Adam (β1 0.7, β2 0.9)
 * with one-cycle at lr 0.02, batch 128, 2 epochs: the README's main job, 99.2-99.3% test in about
 * 100 s of training on 2 cores (docs/results.md). The accuracy model is bn-cnn with --augment
 * (30 epochs, about two hours here; docs/pretrained-bn-cnn.md).
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createBatches, loadMnist, subsetDataset, RECOMMENDED_AUGMENTATION, type AugmentOptions, type DigitDataset } from '@digitlab/datasets/node';
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
import { createProgress } from '../progress.js';
import { writeReport } from '../report/write-report.js';
import { appendMetrics, createRunDirectory, defaultRunFolder, findRunToResume, readRunConfig, type RunDirectory } from '../run-dir.js';

/** The resolved configuration of a run, as written to config.json. */
export interface TrainConfig {
  model: string;
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
}

/**
 * Peak learning rates that differ from `defaults.lr` for a model: batch norm lets fast-bn-cnn's
 * one-cycle peak twice as high (measured on 2 cores: fast-bn-cnn at 0.02, 99.28% test after 2
 * epochs in 126 s; fast-cnn at 0.01 needs 3 epochs for 99.05%, 196 s).
 */
const modelLearningRates: Readonly<Record<string, number>> = { 'fast-bn-cnn': 0.02 };

const defaults: TrainConfig = {
  model: 'fast-bn-cnn',
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
};

const usage = `usage: digitlab train [options]

Trains a model on real MNIST (55,000 train / 5,000 validation / 10,000 test) and writes a run folder.
  --model NAME           ${listModels().map((m) => m.name).join('|')} (default ${defaults.model})
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
  --resume DIR           continue the run in DIR from checkpoints/last with its own config
  --no-report            skip writing RUN/report.html (curves, confusion matrix, mistakes, embedding)
  --config FILE          JSON file whose keys match these flags
  --json                 print one JSON object on stdout
`;

const flags = {
  model: { type: 'string' },
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
  json: { type: 'boolean' },
} as const;

/** Flags that may accompany --resume (they do not change what is computed). */
const resumeFlags = new Set(['resume', 'backend', 'threads', 'json', 'config', 'no-report']);

/** Runs `digitlab train`. */
export async function run(argv: string[]): Promise<number> {
  return runCommand('train', argv, usage, async ({ json }) => {
    const { values } = parseCommandArgs(argv, flags);
    const logger = createLogger();

    let run: RunDirectory;
    let config: TrainConfig;
    const resume = typeof values.resume === 'string' ? values.resume : undefined;
    if (resume) {
      const extra = Object.keys(values).filter((flag) => values[flag] !== undefined && !resumeFlags.has(flag));
      if (extra.length > 0) {
        throw new UsageError(`--resume continues a run with its own config.json; drop ${extra.map((flag) => `--${flag}`).join(', ')} (only --backend, --threads and --json may change)`);
      }
      run = findRunToResume(resume);
      config = readRunConfig<TrainConfig>(run);
    } else {
      config = resolveConfig(values);
      run = createRunDirectory(typeof values.out === 'string' ? values.out : defaultRunFolder(config.model), config);
    }
    logger.info(`run folder: ${run.root}`);

    const selection = await chooseBackend(typeof values.backend === 'string' ? values.backend : undefined, {
      threads: values.threads === undefined ? undefined : numberFlag(values, 'threads', 1, { integer: true, min: 1 }),
      logger,
    });
    const splits = await loadMnist({ validationSize: config.validationSize });
    const train = config.limit === null ? splits.train : firstImages(splits.train, config.limit);
    logger.info(`data: ${train.size} train, ${splits.validation.size} validation, ${splits.test.size} test images`);

    const model = createModel(config.model, { seed: config.seed });
    const optimizer = createCliOptimizer(config);
    const stepsPerEpoch = Math.ceil(train.size / config.batchSize);
    const metadata: ModelMetadataInit = { architecture: config.model, input: { normalization: config.normalization }, training: { ...config } };
    const history: EpochLogs[] = [];

    const result = await fit(
      model,
      datasetBatches(train, { batchSize: config.batchSize, seed: config.seed, normalization: config.normalization, augment: augmentation(config) }),
      {
        epochs: config.epochs,
        optimizer,
        schedule: createSchedule(config, stepsPerEpoch),
        seed: config.seed,
        labelSmoothing: config.labelSmoothing,
        ...(typeof config.ema === 'number' ? { ema: config.ema } : {}),
        validation: () => createBatches(splits.validation, { batchSize: 1000, shuffle: false, normalization: config.normalization }),
        checkpointDirectory: run.checkpoints,
        writeModel: async (trained, directory) => {
          await saveModel(trained, directory, metadata);
        },
        ...(resume ? { resumeFrom: `${run.checkpoints}/last` } : {}),
        callbacks: [
          createProgress({ imagesPerEpoch: train.size, epochs: config.epochs }),
          {
            onEpochEnd: (logs) => {
              history.push(logs);
              appendMetrics(run, { type: 'epoch', ...logs });
            },
          },
        ],
      },
    );
    optimizer.dispose();

    // Model selection on the validation split only: the final model is best/, never picked on test.
    model.dispose();
    const { model: finalModel } = await loadModel(`${run.checkpoints}/${result.best ? 'best' : 'last'}`);
    const test = evaluate(finalModel, createBatches(splits.test, { batchSize: 1000, shuffle: false, normalization: config.normalization }));
    appendMetrics(run, { type: 'eval', split: 'test', checkpoint: result.best ? 'best' : 'last', loss: test.loss, accuracy: test.accuracy, confusionMatrix: test.confusionMatrix, report: test.report });
    const trainSeconds = history.reduce((sum, logs) => sum + logs.trainSeconds, 0);
    const testMetrics = { accuracy: test.accuracy, loss: test.loss, perClass: test.report.perClass, macro: test.report.macro, confusionMatrix: test.confusionMatrix };
    await saveModel(finalModel, run.model, {
      ...metadata,
      training: { ...config, epochsCompleted: result.epochs, steps: result.step, best: result.best, backend: selection.chosen.name, ...(result.stopReason ? { stopReason: result.stopReason } : {}) },
      metrics: { test: testMetrics, ...(result.best ? { validation: { [result.best.metric.replace('validation.', '')]: result.best.value, epoch: result.best.epoch } } : {}) },
    });
    finalModel.dispose();
    const report = values['no-report'] === true ? undefined : await writeReport({ run: run.root, model: run.model, out: join(run.root, 'report.html'), embedding: 'umap', embeddingSize: 2000, seed: config.seed }, { test: splits.test });
    if (report) logger.info(`report: ${report.out} (${report.seconds.total.toFixed(1)} s)`);

    if (json) {
      writeJson({
        runDirectory: run.root,
        modelDirectory: run.model,
        backend: selection.chosen.name,
        config,
        epochs: history.map(({ epoch, loss, accuracy, validation, trainSeconds: seconds, images }) => ({ epoch: epoch + 1, loss, accuracy, validation, trainSeconds: seconds, imagesPerSecond: images / seconds })),
        best: result.best,
        ...(result.stopReason ? { stopReason: result.stopReason } : {}),
        trainSeconds,
        test: testMetrics,
        ...(report ? { report: report.out } : {}),
      });
    } else {
      process.stdout.write(
        `\ntest accuracy ${(100 * test.accuracy).toFixed(2)}% (loss ${test.loss.toFixed(4)}) with the ${result.best ? `best validation epoch (${result.best.epoch})` : 'last epoch'}; ${trainSeconds.toFixed(1)} s of training on ${selection.chosen.name}\n\n` +
          `${formatClassificationReport(test.report, test.confusionMatrix)}\n\nmodel saved in ${run.model}\n`,
      );
    }
    if (tf.memory().numTensors > 0) logger.debug(`${tf.memory().numTensors} tensors still alive at exit`);
  });
}

function resolveConfig(values: Record<string, unknown>): TrainConfig {
  const model = typeof values.model === 'string' ? values.model : defaults.model;
  const models = listModels().map((m) => m.name as string);
  if (!models.includes(model)) throw new UsageError(`--model: unknown model "${model}". Should be one of: ${models.join(', ')}`);
  const optimizer = (typeof values.optimizer === 'string' ? values.optimizer : defaults.optimizer) as OptimizerName;
  if (!optimizerNames.includes(optimizer)) throw new UsageError(`--optimizer: unknown optimizer "${optimizer}". Should be one of: ${optimizerNames.join(', ')}`);
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

