/**
 * `digitlab finetune` — fine-tunes a saved or pretrained model on new digits (a slice of MNIST, a
 * Kaggle CSV, or a folder of your own images) with one of the strategies of @digitlab/trainer
 * (full, linear probe, freeze, gradual unfreezing, discriminative LRs, LoRA, adapters, IA3), prints the
 * trainable parameters and validation/test accuracy, and saves the model (LoRA merged on `--merge`)
 * with `digitlab.json` recording the base model, the strategy and the data.
 * Also exports the data-spec parsing `digitlab lr-find` shares.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { createBatches, type DigitDataset } from '@digitlab/datasets/node';
import { loadModel, mergeLora, saveModel, type ModelMetadataInit } from '@digitlab/models/node';
import {
  adam,
  countParameters,
  datasetBatches,
  evaluate,
  finetune,
  finetuneDefaults,
  finetuneStrategyNames,
  folderCheckpointStore,
  lrFind,
  groupLearningRateScales,
  prepareFinetune,
  type FinetuneStrategy,
  type FinetuneStrategyName,
} from '@digitlab/trainer/node';
import { chooseBackend } from '../backends.js';
import { UsageError, createLogger, numberFlag, parseCommandArgs, runCommand, writeJson } from '../cli-support.js';
import { loadTrainingData } from '../data-input.js';
import { dataSpecForms, describeDataSpec, parseDataSpec } from '../data-spec.js';
import { commaList, labelsFlag } from '../flag-values.js';
import { describeModelSpec, loadSavedModel, parseModelSpec, type ModelSpec } from '../model-spec.js';
import { createProgress } from '../progress.js';
import { exitCodeForSignal, watchInterrupts } from '../interrupt.js';
import { reportInterrupted, usableCheckpoint } from '../resume.js';
import { appendMetrics, assertFreshRunFolder, createRunDirectory, findRunToResume, readRunConfig } from '../run-dir.js';
import { writeReport } from '../report/write-report.js';
import { DEFAULT_CHECKPOINT_EVERY_STEPS } from './train.js';

/** The `--help` text (also read by `digitlab completion` for the flags). */
export const usage = `usage: digitlab finetune --model MODEL --data SPEC [options]

Fine-tunes a trained model on new digits and saves it.
  --model MODEL          a model folder (digitlab train's run/model) or pretrained:NAME (--from is the same flag)
  --data SPEC            ${dataSpecForms} (folder: one sub-folder per class)
  --test SPEC            test data (default: the MNIST test digits for mnist data, none otherwise)
  --labels A,B,..        class names of a folder whose sub-folders are not numbers, in label order
  --strategy NAME        ${finetuneStrategyNames.join('|')} (default lora)
  --freeze NAMES         layers or groups to freeze, comma-separated (strategy freeze)
  --factor X             discriminative LR factor per group from the head (default 1/2.6)
  --rank R --alpha A     LoRA rank (default 3) and alpha (default: the rank)
  --target-rank R        AdaLoRA: average rank per layer after pruning (default rank/2; --rank starts at 4)
  --targets NAMES        LoRA / AdaLoRA / IA3 target layers, or conv / dense (default conv,dense)
  --bottleneck N         adapter width (default 16)
  --after NAMES          layers to follow with adapters (default: the main layer of each block)
  --epochs N --lr X      default per strategy: ${defaultsLine()}
  --lr auto              run lr-find's sweep (Adam) on the training data first and use its suggestion
  --batch-size B         (default 64)
  --validation-fraction X  share of folder/csv data held out for validation (default 0.2)
  --backend NAME         auto|wasm|cpu|tensorflow|cuda (default auto)
  --seed S               head/LoRA init, data split, shuffling (default 0)
  --out DIR              run folder: config.json, metrics.jsonl, checkpoints/{best,last}, model/
                         (default runs/<time>-finetune-<strategy>)
  --resume DIR           continue the run in DIR from checkpoints/last (or best/ when last/ is
                         missing or damaged) with its own config; Ctrl-C or SIGTERM finishes the
                         step, writes checkpoints/last and exits 130 / 143
  --checkpoint-every-steps N
                         write checkpoints/last every N steps as well as every epoch (default ${DEFAULT_CHECKPOINT_EVERY_STEPS})
  --merge                fold LoRA into stock layers before saving (stock tfjs loads the result)
  --no-report            skip writing OUT/report.html (confusion matrix, mistakes, embedding on the test data)
  --json                 print one JSON object on stdout
`;

/** `full 8 epochs at 0.001, lora 10 at 0.01, ...` for the help text, from the one table of defaults. */
function defaultsLine(): string {
  return finetuneStrategyNames.map((name) => `${name} ${finetuneDefaults[name].epochs}×${finetuneDefaults[name].learningRate}`).join(', ');
}

/** The flags that describe a fine-tuning run's model, data and strategy; `lr-find` takes them too. */
export const strategyFlags = {
  model: { type: 'string' },
  from: { type: 'string' },
  data: { type: 'string' },
  labels: { type: 'string' },
  strategy: { type: 'string' },
  freeze: { type: 'string' },
  factor: { type: 'string' },
  rank: { type: 'string' },
  'target-rank': { type: 'string' },
  alpha: { type: 'string' },
  targets: { type: 'string' },
  bottleneck: { type: 'string' },
  after: { type: 'string' },
  'batch-size': { type: 'string' },
  backend: { type: 'string' },
  threads: { type: 'string' },
  seed: { type: 'string' },
  out: { type: 'string' },
  json: { type: 'boolean' },
} as const;

const flags = {
  ...strategyFlags,
  test: { type: 'string' },
  epochs: { type: 'string' },
  'checkpoint-every-steps': { type: 'string' },
  lr: { type: 'string' },
  'validation-fraction': { type: 'string' },
  merge: { type: 'boolean' },
  resume: { type: 'string' },
  'no-report': { type: 'boolean' },
} as const;

/** Flags that only mean something to some strategies; given with another, they are a usage error. */
const strategyOnlyFlags: Readonly<Record<string, readonly FinetuneStrategyName[]>> = {
  freeze: ['freeze'],
  factor: ['discriminative', 'gradual-unfreeze'],
  rank: ['lora', 'adalora'],
  alpha: ['lora', 'adalora'],
  'target-rank': ['adalora'],
  targets: ['lora', 'adalora', 'ia3'],
  bottleneck: ['adapter'],
  after: ['adapter'],
};

/**
 * `--model` (or its older spelling `--from`, not both): the model to start from. `zoo` allows a
 * fresh zoo model (lr-find); `undefined` when neither flag is given.
 */
export function baseModelSpec(values: Record<string, unknown>, { zoo = false }: { zoo?: boolean } = {}): ModelSpec | undefined {
  if (typeof values.model === 'string' && typeof values.from === 'string') throw new UsageError('--from is another name for --model: give one of them, not both');
  const value = typeof values.model === 'string' ? values.model : typeof values.from === 'string' ? values.from : undefined;
  return value === undefined ? undefined : parseModelSpec(value, { flag: typeof values.model === 'string' ? '--model' : '--from', zoo });
}

/** The strategy the flags describe (`--strategy`, `--freeze`, `--rank`, ...); `fallback` when `--strategy` is absent. */
export function strategyFrom(values: Record<string, unknown>, fallback: FinetuneStrategyName = 'lora'): FinetuneStrategy {
  const kind = (typeof values.strategy === 'string' ? values.strategy : fallback) as FinetuneStrategyName;
  if (!finetuneStrategyNames.includes(kind)) throw new UsageError(`--strategy: unknown strategy "${kind}". Should be one of: ${finetuneStrategyNames.join(', ')}`);
  for (const [flag, strategies] of Object.entries(strategyOnlyFlags)) {
    if (values[flag] !== undefined && !strategies.includes(kind)) {
      throw new UsageError(`--${flag} applies to --strategy ${strategies.join(' or ')} only, and this run uses ${kind}: drop --${flag}, or pick --strategy ${strategies[0]}.`);
    }
  }
  const factor = values.factor === undefined ? undefined : numberFlag(values, 'factor', 1, { min: 0 });
  switch (kind) {
    case 'full':
    case 'linear-probe':
      return { kind };
    case 'freeze': {
      const layers = commaList(values.freeze);
      if (!layers?.length) throw new UsageError('--strategy freeze needs --freeze NAMES: the layers or groups to freeze, e.g. --freeze conv1,conv2');
      return { kind, layers };
    }
    case 'discriminative':
      return { kind, ...(factor === undefined ? {} : { factor }) };
    case 'gradual-unfreeze':
      return { kind, ...(factor === undefined ? {} : { factor }) };
    case 'lora':
      return {
        kind,
        rank: numberFlag(values, 'rank', 3, { integer: true, min: 1 }),
        ...(values.alpha === undefined ? {} : { alpha: numberFlag(values, 'alpha', 4, { min: Number.MIN_VALUE }) }),
        targets: commaList(values.targets) ?? ['conv', 'dense'],
      };
    case 'adalora': {
      const rank = numberFlag(values, 'rank', 4, { integer: true, min: 1 });
      const targetRank = numberFlag(values, 'target-rank', Math.max(1, Math.floor(rank / 2)), { integer: true, min: 1 });
      if (targetRank > rank) throw new UsageError(`--target-rank ${targetRank} is above the initial --rank ${rank}: AdaLoRA only prunes. Lower --target-rank or raise --rank.`);
      return {
        kind,
        rank,
        targetRank,
        ...(values.alpha === undefined ? {} : { alpha: numberFlag(values, 'alpha', rank, { min: Number.MIN_VALUE }) }),
        targets: commaList(values.targets) ?? ['conv', 'dense'],
      };
    }
    case 'ia3':
      return { kind, targets: commaList(values.targets) ?? ['conv', 'dense'] };
    case 'adapter': {
      const after = commaList(values.after);
      return { kind, bottleneck: numberFlag(values, 'bottleneck', 16, { integer: true, min: 1 }), ...(after ? { after } : {}) };
    }
  }
}

/** The resolved configuration of a fine-tuning run, as written to its config.json. */
export interface FinetuneConfig {
  command: 'finetune';
  /** The base model, as given to --model (a folder, or pretrained:NAME). */
  model: string;
  data: string;
  test: string | null;
  labels: string[] | null;
  strategy: FinetuneStrategy;
  epochs: number;
  /** `auto` until the run starts: then lr-find's suggestion, which config.json records. */
  lr: number | 'auto';
  batchSize: number;
  seed: number;
  validationFraction: number;
  merge: boolean;
  /** `last` is also written every this many steps (absent in runs written before the flag existed). */
  checkpointEverySteps?: number;
}

/** Flags that may accompany --resume (they do not change what is computed). */
const resumeFlags = new Set(['resume', 'backend', 'threads', 'json', 'config', 'checkpoint-every-steps']);

/** --checkpoint-every-steps: a positive integer. */
function checkpointEveryFlag(values: Record<string, unknown>): number {
  return numberFlag(values, 'checkpoint-every-steps', DEFAULT_CHECKPOINT_EVERY_STEPS, { integer: true, min: 1 });
}

function resolveConfig(values: Record<string, unknown>): FinetuneConfig {
  const baseSpec = baseModelSpec(values);
  if (!baseSpec) throw new UsageError('--model is required: a model folder (digitlab train writes run/model) or pretrained:NAME');
  if (typeof values.data !== 'string') throw new UsageError(`--data is required: ${dataSpecForms}`);
  const strategy = strategyFrom(values);
  const defaults = finetuneDefaults[strategy.kind];
  const learningRate = values.lr === 'auto' ? 'auto' : numberFlag(values, 'lr', defaults.learningRate, { min: 0 });
  if (learningRate === 0) throw new UsageError('--lr must be above 0 (or auto: lr-find picks it), got "0"');
  const validationFraction = numberFlag(values, 'validation-fraction', 0.2, { min: 0 });
  if (validationFraction >= 1) throw new UsageError(`--validation-fraction must be below 1, got "${String(values['validation-fraction'])}"`);
  return {
    command: 'finetune',
    model: describeModelSpec(baseSpec),
    data: describeDataSpec(parseDataSpec(values.data)),
    test: typeof values.test === 'string' ? describeDataSpec(parseDataSpec(values.test, '--test')) : null,
    labels: labelsFlag(values) ?? null,
    strategy,
    epochs: numberFlag(values, 'epochs', defaults.epochs, { integer: true, min: 1 }),
    lr: learningRate,
    batchSize: numberFlag(values, 'batch-size', 64, { integer: true, min: 1 }),
    seed: numberFlag(values, 'seed', 0, { integer: true, min: 0 }),
    validationFraction,
    merge: values.merge === true,
    checkpointEverySteps: checkpointEveryFlag(values),
  };
}

/** Runs `digitlab finetune`. */
export async function run(argv: string[]): Promise<number> {
  return runCommand('finetune', argv, usage, async ({ json }) => {
    const { values } = parseCommandArgs(argv, flags);
    const logger = createLogger();
    const resume = typeof values.resume === 'string' ? values.resume : undefined;
    let resumed: ReturnType<typeof findRunToResume> | undefined;
    let config: FinetuneConfig;
    if (resume) {
      const extra = Object.keys(values).filter((flag) => values[flag] !== undefined && !resumeFlags.has(flag));
      if (extra.length > 0) throw new UsageError(`--resume continues a run with its own config.json; drop ${extra.map((flag) => `--${flag}`).join(', ')} (only --backend, --threads, --checkpoint-every-steps and --json may change)`);
      resumed = findRunToResume(resume, 'finetune');
      config = readRunConfig<FinetuneConfig>(resumed);
      if (values['checkpoint-every-steps'] !== undefined) config = { ...config, checkpointEverySteps: checkpointEveryFlag(values) };
      if (config.strategy.kind === 'gradual-unfreeze') throw new UsageError(`--resume "${resume}": a gradual-unfreeze run cannot be resumed (each stage rebuilds the optimizer). Start it again with a new --out.`);
    } else {
      config = resolveConfig(values);
    }
    const { strategy, epochs, batchSize, seed } = config;
    const baseSpec = parseModelSpec(config.model);
    const outFolder = resume ? undefined : typeof values.out === 'string' ? values.out : join('runs', `${new Date().toISOString().slice(0, 19).replace(/:/g, '-')}-finetune-${strategy.kind}`);
    // Nothing is written before the flags, the backend, the data and the base model have been checked.
    if (outFolder) assertFreshRunFolder(outFolder);

    const selection = await chooseBackend(typeof values.backend === 'string' ? values.backend : undefined, {
      threads: values.threads === undefined ? undefined : numberFlag(values, 'threads', 1, { integer: true, min: 1 }),
      logger,
    });
    const data = await loadTrainingData(parseDataSpec(config.data), config.test ? parseDataSpec(config.test, '--test') : undefined, {
      seed,
      validationFraction: config.validationFraction,
      logger,
      ...(config.labels ? { labels: config.labels } : {}),
    });
    const { model: base, metadata } = await loadSavedModel(baseSpec);
    const numClasses = data.classes.length;
    // New labels (different digits, names or order) need a fresh head even at the same class count.
    const newHead = JSON.stringify(data.classes) !== JSON.stringify(metadata.labels);
    const normalization = metadata.input.normalization;
    logger.info(`data: ${data.train.size} train, ${data.validation.size} validation${data.test ? `, ${data.test.size} test` : ''} images; classes ${data.classes.join(', ')}`);
    if (newHead) {
      logger.info(
        `labels [${data.classes.join(', ')}] are not the base model's [${metadata.labels.join(', ')}]: a new ${numClasses}-class head replaces its head ` +
          `(the old head's weights are dropped), and the saved model's outputs mean [${data.classes.join(', ')}].`,
      );
    }

    const plan = prepareFinetune(base, strategy, { numClasses, newHead, seed });
    const resumeFrom = resumed ? await usableCheckpoint(resumed, logger) : undefined;
    if (config.lr === 'auto') {
      const scales = groupLearningRateScales(plan);
      const found = lrFind(plan.model, datasetBatches(data.train, { batchSize, seed, normalization, numClasses }), {
        optimizer: adam(),
        startLearningRate: 1e-6,
        endLearningRate: 1,
        steps: 100,
        seed,
        ...(scales ? { learningRateScales: scales } : {}),
      });
      logger.info(`--lr auto: lr-find suggests ${found.suggestion.toPrecision(2)} (steepest descent of the smoothed loss over ${found.points.length} steps)`);
      config = { ...config, lr: Number(found.suggestion.toPrecision(2)) };
    }
    const learningRate = config.lr as number;
    const run = resumed ?? createRunDirectory(outFolder!, config);
    logger.info(`run folder: ${run.root}${resumeFrom ? ` (resuming from checkpoints/${resumeFrom})` : ''}`);
    const parameters = countParameters(plan.model);
    logger.info(
      `strategy ${strategy.kind}: ${parameters.trainable.toLocaleString('en-US')} of ${parameters.total.toLocaleString('en-US')} parameters trainable (${(100 * parameters.fraction).toFixed(2)}%)${plan.headReplaced ? `; new ${numClasses}-class head` : ''}`,
    );
    const input = { normalization, ...(metadata.input.mean === undefined ? {} : { mean: metadata.input.mean }), ...(metadata.input.std === undefined ? {} : { std: metadata.input.std }) };
    const baseRecord = { from: config.model, architecture: metadata.architecture, labels: metadata.labels, ...(metadata.metrics ? { metrics: metadata.metrics } : {}), strategy, data: data.description };
    const checkpointMetadata: ModelMetadataInit = { architecture: metadata.architecture, labels: data.classes, input, training: { ...config }, base: baseRecord };
    const batches = (dataset: DigitDataset) => createBatches(dataset, { batchSize: 500, shuffle: false, normalization, numClasses });
    const checkpoints = folderCheckpointStore(run.checkpoints, { writeModel: async (model, directory) => void (await saveModel(model, directory, checkpointMetadata)) });
    const interrupts = watchInterrupts(logger);
    const result = await finetune(plan, datasetBatches(data.train, { batchSize, seed, normalization, numClasses }), {
      epochs,
      learningRate,
      optimizer: () => adam(),
      seed,
      validation: () => batches(data.validation),
      checkpoints,
      checkpointEverySteps: config.checkpointEverySteps ?? DEFAULT_CHECKPOINT_EVERY_STEPS,
      ...(resumeFrom ? { resumeFrom: { store: checkpoints, name: resumeFrom } } : {}),
      callbacks: [
        interrupts.callback,
        ...(json ? [] : [createProgress({ imagesPerEpoch: data.train.size, epochs })]),
        { onEpochEnd: (logs) => appendMetrics(run, { type: 'epoch', ...logs }) },
      ],
      onStage: ({ stage, groups, parameters: stageParameters }) => {
        if (plan.stages.length > 1) logger.info(`stage ${stage + 1}: training ${groups.join(', ')} (${stageParameters.trainable.toLocaleString('en-US')} parameters)`);
      },
    }).finally(() => interrupts.dispose());
    const signal = interrupts.received();
    if (signal && (result.history.at(-1)?.epoch ?? -1) + 1 < epochs) {
      if (plan.model !== base) plan.model.dispose();
      base.dispose();
      if (plan.stages.length > 1) logger.error(`${signal}: stopped; a ${strategy.kind} run cannot be resumed (each stage rebuilds the optimizer). Start it again with a new --out.`);
      else await reportInterrupted(logger, signal, run, 'finetune');
      return exitCodeForSignal(signal);
    }
    // The model ends with the best validation epoch's weights (checkpoints/best), across a resume too.
    if (existsSync(join(run.checkpoints, 'best', 'model.json'))) {
      const { model: best } = await loadModel(join(run.checkpoints, 'best'));
      plan.model.setWeights(best.getWeights());
      best.dispose();
    }
    // Gradual unfreezing trains more parameters in each stage: report (and record) the last stage's.
    const trainedParameters = result.parameters;
    const validation = evaluate(plan.model, batches(data.validation), { numClasses });
    const test = data.test ? evaluate(plan.model, batches(data.test), { numClasses }) : undefined;
    appendMetrics(run, { type: 'eval', split: 'validation', loss: validation.loss, accuracy: validation.accuracy, confusionMatrix: validation.confusionMatrix });
    if (test) appendMetrics(run, { type: 'eval', split: 'test', loss: test.loss, accuracy: test.accuracy, confusionMatrix: test.confusionMatrix, report: test.report });

    let saved: tfl.LayersModel = plan.model;
    const merge = config.merge;
    if (merge) saved = mergeLora(plan.model);
    const modelDirectory = run.model;
    const training = { strategy, epochs, learningRate, batchSize, optimizer: 'adam', schedule: 'cosine', seed, backend: selection.chosen.name, merged: merge, stages: result.stages, ...(result.best ? { best: result.best } : {}) };
    const metrics = { validation: { accuracy: validation.accuracy, loss: validation.loss }, ...(test ? { test: { accuracy: test.accuracy, loss: test.loss } } : {}), parameters: trainedParameters };
    await saveModel(saved, modelDirectory, { architecture: metadata.architecture, labels: data.classes, input, training, metrics, base: baseRecord });
    if (saved !== plan.model) saved.dispose();
    if (plan.model !== base) plan.model.dispose();
    base.dispose();
    const report =
      values['no-report'] === true || !data.test
        ? undefined
        : await writeReport({ run: run.root, model: modelDirectory, out: join(run.root, 'report.html'), embedding: 'umap', embeddingSize: 2000, seed }, { test: data.test });
    if (report) logger.info(`report: ${report.out} (${report.seconds.total.toFixed(1)} s)`);

    if (json) {
      writeJson({
        runDirectory: run.root,
        modelDirectory,
        ...(report ? { report: report.out } : {}),
        backend: selection.chosen.name,
        from: config.model,
        strategy,
        learningRate,
        data: data.description,
        labels: data.classes,
        parameters: trainedParameters,
        epochs: result.history.map(({ epoch, loss, accuracy, validation: epochValidation, trainSeconds }) => ({ epoch: epoch + 1, loss, accuracy, validation: epochValidation, trainSeconds })),
        ...(result.best ? { best: result.best } : {}),
        trainSeconds: result.trainSeconds,
        validation: { accuracy: validation.accuracy, loss: validation.loss },
        ...(test ? { test: { accuracy: test.accuracy, loss: test.loss } } : {}),
        merged: merge,
      });
    } else {
      process.stdout.write(
        `\ntrainable parameters: ${trainedParameters.trainable.toLocaleString('en-US')} of ${trainedParameters.total.toLocaleString('en-US')} (${(100 * trainedParameters.fraction).toFixed(2)}%)${result.stages.length > 1 ? ' in the last stage' : ''}\n` +
          `validation accuracy: ${(100 * validation.accuracy).toFixed(2)}%${result.best ? ` (best epoch ${result.best.epoch})` : ''}\n` +
          (test ? `test accuracy: ${(100 * test.accuracy).toFixed(2)}% on ${test.size} images\n` : 'test accuracy: no test data (pass --test)\n') +
          `${result.trainSeconds.toFixed(1)} s of training on ${selection.chosen.name}\nmodel saved in ${modelDirectory}${merge ? ' (LoRA merged: stock tfjs loads it)' : ''}\n`,
      );
    }
    if (tf.memory().numTensors > 0) logger.debug(`${tf.memory().numTensors} tensors still alive at exit`);
  });
}
