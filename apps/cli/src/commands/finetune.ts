/**
 * `digitlab finetune` — fine-tunes a saved or pretrained model on new digits (a slice of MNIST, a
 * Kaggle CSV, or a folder of your own images) with one of the strategies of @digitlab/trainer
 * (full, linear probe, freeze, gradual unfreezing, discriminative LRs, LoRA, adapters), prints the
 * trainable parameters and validation/test accuracy, and saves the model (LoRA merged on `--merge`)
 * with `digitlab.json` recording the base model, the strategy and the data.
 * Also exports the data-spec parsing `digitlab lr-find` shares.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import {
  countLabels,
  createBatches,
  filterClasses,
  loadMnist,
  readImageFolder,
  readKaggleCsv,
  stratifiedSplit,
  takePerClass,
  type DigitDataset,
  type MnistSplits,
} from '@digitlab/datasets/node';
import { loadModel, loadPretrained, mergeLora, saveModel, type LoadedModel } from '@digitlab/models/node';
import {
  adam,
  countParameters,
  datasetBatches,
  evaluate,
  finetune,
  finetuneStrategyNames,
  prepareFinetune,
  type FinetuneStrategy,
  type FinetuneStrategyName,
} from '@digitlab/trainer/node';
import { chooseBackend } from '../backends.js';
import { UsageError, createLogger, numberFlag, parseCommandArgs, runCommand, writeJson, type Logger } from '../cli-support.js';
import { createProgress } from '../progress.js';

const usage = `usage: digitlab finetune --from MODEL_DIR|pretrained:<name> --data SPEC [options]

Fine-tunes a trained model on new digits and saves it.
  --from DIR|pretrained:NAME  a model folder (digitlab train's run/model) or a shipped pretrained model
  --data SPEC            mnist[:digits=5-9][:per-class=K] | csv:FILE | folder:DIR (one sub-folder per class)
  --test SPEC            test data (default: the MNIST test digits for mnist data, none otherwise)
  --strategy NAME        ${finetuneStrategyNames.join('|')} (default lora)
  --freeze NAMES         layers or groups to freeze, comma-separated (strategy freeze)
  --factor X             discriminative LR factor per group from the head (default 1/2.6)
  --rank R --alpha A     LoRA rank (default 4) and alpha (default: the rank)
  --targets NAMES        LoRA target layers, or conv / dense (default conv,dense)
  --bottleneck N         adapter width (default 16)
  --after NAMES          layers to follow with adapters (default: the main layer of each block)
  --epochs N             (default 3)  --lr X (default 0.003)  --batch-size B (default 64)
  --validation-fraction X  share of folder/csv data held out for validation (default 0.2)
  --backend NAME         auto|wasm|cpu|tensorflow|cuda (default auto)
  --seed S               head/LoRA init, data split, shuffling (default 0)
  --out DIR              where the model folder goes (default runs/<time>-finetune-<strategy>)
  --merge                fold LoRA into stock layers before saving (stock tfjs loads the result)
  --json                 print one JSON object on stdout
`;

/** The flags that describe a fine-tuning strategy; `lr-find` takes them too. */
export const strategyFlags = {
  from: { type: 'string' },
  data: { type: 'string' },
  strategy: { type: 'string' },
  freeze: { type: 'string' },
  factor: { type: 'string' },
  rank: { type: 'string' },
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
  lr: { type: 'string' },
  'validation-fraction': { type: 'string' },
  merge: { type: 'boolean' },
} as const;

/** Train / validation / test data of a fine-tuning run, labels `0..classes.length-1`. */
export interface FinetuneData {
  train: DigitDataset;
  validation: DigitDataset;
  test?: DigitDataset;
  /** `classes[label]`: the name of each label (`'5'`, or a folder name). */
  classes: string[];
  /** What was read, for digitlab.json. */
  description: Record<string, unknown>;
}

/** A parsed `--data` / `--test` spec. */
export type DataSpec = { kind: 'mnist'; digits: number[]; perClass?: number } | { kind: 'csv'; path: string } | { kind: 'folder'; path: string };

/** Parses `mnist[:digits=5-9][:per-class=K] | csv:FILE | folder:DIR`. */
export function parseDataSpec(spec: string, flag = '--data'): DataSpec {
  const bad = (why: string) => new UsageError(`${flag} "${spec}": ${why}. Should be one of: mnist[:digits=5-9][:per-class=K], csv:FILE, folder:DIR`);
  if (spec.startsWith('csv:')) return { kind: 'csv', path: spec.slice(4) || (() => { throw bad('no file after csv:'); })() };
  if (spec.startsWith('folder:')) return { kind: 'folder', path: spec.slice(7) || (() => { throw bad('no folder after folder:'); })() };
  const [head, ...options] = spec.split(':');
  if (head !== 'mnist') throw bad(`unknown source "${head}"`);
  let digits = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  let perClass: number | undefined;
  for (const option of options) {
    const [key, value = ''] = option.split('=');
    if (key === 'digits') {
      const parsed = value.split(',').flatMap((part) => {
        const range = /^(\d)-(\d)$/.exec(part);
        if (range) return Array.from({ length: Number(range[2]) - Number(range[1]) + 1 }, (_, i) => Number(range[1]) + i);
        if (/^\d$/.test(part)) return [Number(part)];
        throw bad(`digits must be digits or ranges like 5-9 or 0,2,4, got "${value}"`);
      });
      if (parsed.length < 2 || new Set(parsed).size !== parsed.length) throw bad(`digits must name at least 2 distinct digits, got "${value}"`);
      digits = parsed;
    } else if (key === 'per-class') {
      perClass = Number(value);
      if (!Number.isInteger(perClass) || perClass < 1) throw bad(`per-class must be a positive integer, got "${value}"`);
    } else {
      throw bad(`unknown option "${key}" (mnist takes digits=... and per-class=K)`);
    }
  }
  return { kind: 'mnist', digits, ...(perClass === undefined ? {} : { perClass }) };
}

/**
 * Reads the data of `spec` (and `testSpec`): MNIST digits relabelled 0..n-1 with the MNIST
 * validation and test splits; a CSV or a folder split into train / validation by `seed`.
 */
export async function loadFinetuneData(spec: DataSpec, testSpec: DataSpec | undefined, { seed, validationFraction, logger }: { seed: number; validationFraction: number; logger: Logger }): Promise<FinetuneData> {
  let mnist: MnistSplits | undefined;
  const getMnist = async () => (mnist ??= await loadMnist());
  const read = async (which: DataSpec, role: string): Promise<{ all?: DigitDataset; train?: DigitDataset; validation?: DigitDataset; test?: DigitDataset; classes: string[] }> => {
    if (which.kind === 'mnist') {
      const splits = await getMnist();
      const keep = (dataset: DigitDataset) => filterClasses(dataset, which.digits, { relabel: true });
      let train = keep(splits.train);
      if (which.perClass !== undefined) train = takePerClass(train, which.perClass, seed);
      return { train, validation: keep(splits.validation), test: keep(splits.test), classes: which.digits.map(String) };
    }
    if (which.kind === 'csv') {
      const dataset = await readKaggleCsv(which.path, { labels: true });
      if (dataset.size === 0) throw new UsageError(`${role} csv:${which.path} holds no rows. Pass a Kaggle-style CSV with a label column and pixel0..pixel783.`);
      return presentClasses(dataset, (label) => String(label));
    }
    const folder = resolve(which.path);
    const dataset = await readImageFolder(folder, { onInvalid: 'skip' });
    for (const skipped of dataset.skipped) logger.warn(`skipped ${skipped.path}: ${skipped.reason}`);
    if (dataset.size === 0) {
      throw new UsageError(`${role} folder:${which.path} holds no usable images. Put PNG or JPEG files in one sub-folder per class (e.g. ${join(which.path, '7', 'a.png')}).`);
    }
    return presentClasses(dataset, (label) => dataset.classes[label] ?? String(label));
  };

  const main = await read(spec, '--data');
  let train = main.train;
  let validation = main.validation;
  if (main.all) {
    const size = Math.max(main.classes.length, Math.round(main.all.size * validationFraction));
    if (size >= main.all.size) throw new UsageError(`--data has only ${main.all.size} images for ${main.classes.length} classes: too few to hold out a validation split. Add images (a few per class at least).`);
    ({ train, validation } = stratifiedSplit(main.all, size, seed));
  }
  let test = main.test;
  if (testSpec) {
    const extra = await read(testSpec, '--test');
    test = extra.all ?? extra.test;
    if (extra.classes.length !== main.classes.length || extra.classes.some((name, index) => name !== main.classes[index])) {
      throw new UsageError(
        `--test has classes [${extra.classes.join(', ')}] but --data has [${main.classes.join(', ')}]: the class counts or names do not match. Give test data with the same classes.`,
      );
    }
  }
  const description = { spec: describeSpec(spec), ...(testSpec ? { test: describeSpec(testSpec) } : {}), classes: main.classes, train: train!.size, validation: validation!.size, ...(test ? { testSize: test.size } : {}) };
  return { train: train!, validation: validation!, ...(test ? { test } : {}), classes: main.classes, description };
}

/** Keeps the classes that have examples, relabelled 0..n-1 in label order, with their names. */
function presentClasses(dataset: DigitDataset, nameOf: (label: number) => string): { all: DigitDataset; classes: string[] } {
  const present = countLabels(dataset, 256).map((count, label) => (count > 0 ? label : -1)).filter((label) => label >= 0);
  return { all: filterClasses(dataset, present, { relabel: true }), classes: present.map(nameOf) };
}

function describeSpec(spec: DataSpec): string {
  if (spec.kind === 'mnist') return `mnist:digits=${spec.digits.join(',')}${spec.perClass ? `:per-class=${spec.perClass}` : ''}`;
  return `${spec.kind}:${spec.path}`;
}

/** Loads `--from DIR|pretrained:NAME`. */
export async function loadBaseModel(from: string): Promise<LoadedModel> {
  if (from.startsWith('pretrained:')) return loadPretrained(from.slice('pretrained:'.length));
  if (!existsSync(join(from, 'model.json'))) {
    const hint = existsSync(join(from, 'model', 'model.json')) ? ` It looks like a run folder: pass "${join(from, 'model')}".` : '';
    throw new UsageError(`--from "${from}" is not a model folder (no model.json).${hint} Pass a folder saved by digitlab train (run/model) or pretrained:<name>.`);
  }
  return loadModel(from);
}

const list = (value: unknown) => (typeof value === 'string' ? value.split(',').map((part) => part.trim()).filter(Boolean) : undefined);

/** The strategy the flags describe (`--strategy`, `--freeze`, `--rank`, ...); `fallback` when `--strategy` is absent. */
export function strategyFrom(values: Record<string, unknown>, fallback: FinetuneStrategyName = 'lora'): FinetuneStrategy {
  const kind = (typeof values.strategy === 'string' ? values.strategy : fallback) as FinetuneStrategyName;
  if (!finetuneStrategyNames.includes(kind)) throw new UsageError(`--strategy: unknown strategy "${kind}". Should be one of: ${finetuneStrategyNames.join(', ')}`);
  const factor = values.factor === undefined ? undefined : numberFlag(values, 'factor', 1, { min: 0 });
  switch (kind) {
    case 'full':
    case 'linear-probe':
      return { kind };
    case 'freeze': {
      const layers = list(values.freeze);
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
        rank: numberFlag(values, 'rank', 4, { integer: true }),
        ...(values.alpha === undefined ? {} : { alpha: numberFlag(values, 'alpha', 4) }),
        targets: list(values.targets) ?? ['conv', 'dense'],
      };
    case 'adapter': {
      const after = list(values.after);
      return { kind, bottleneck: numberFlag(values, 'bottleneck', 16, { integer: true }), ...(after ? { after } : {}) };
    }
  }
}

/** Runs `digitlab finetune`. */
export async function run(argv: string[]): Promise<number> {
  return runCommand('finetune', argv, usage, async ({ json }) => {
    const { values } = parseCommandArgs(argv, flags);
    const logger = createLogger();
    if (typeof values.from !== 'string') throw new UsageError('--from is required: a model folder (digitlab train writes run/model) or pretrained:<name>');
    if (typeof values.data !== 'string') throw new UsageError('--data is required: mnist[:digits=5-9][:per-class=K], csv:FILE or folder:DIR');
    const strategy = strategyFrom(values);
    const epochs = numberFlag(values, 'epochs', 3, { integer: true, min: 1 });
    const learningRate = numberFlag(values, 'lr', 0.003, { min: 0 });
    if (learningRate === 0) throw new UsageError('--lr must be above 0, got "0"');
    const batchSize = numberFlag(values, 'batch-size', 64, { integer: true, min: 1 });
    const seed = numberFlag(values, 'seed', 0, { integer: true, min: 0 });
    const validationFraction = numberFlag(values, 'validation-fraction', 0.2, { min: 0 });
    if (validationFraction >= 1) throw new UsageError(`--validation-fraction must be below 1, got "${String(values['validation-fraction'])}"`);
    const dataSpec = parseDataSpec(values.data);
    const testSpec = typeof values.test === 'string' ? parseDataSpec(values.test, '--test') : undefined;
    const out = resolve(typeof values.out === 'string' ? values.out : join('runs', `${new Date().toISOString().slice(0, 19).replace(/:/g, '-')}-finetune-${strategy.kind}`));
    if (existsSync(out) && readdirSync(out).length > 0) throw new UsageError(`--out "${out}" already holds files. Pick a new folder.`);

    const selection = await chooseBackend(typeof values.backend === 'string' ? values.backend : undefined, {
      threads: values.threads === undefined ? undefined : numberFlag(values, 'threads', 1, { integer: true, min: 1 }),
      logger,
    });
    const { model: base, metadata } = await loadBaseModel(values.from);
    const data = await loadFinetuneData(dataSpec, testSpec, { seed, validationFraction, logger });
    const numClasses = data.classes.length;
    // New labels (different digits or names) need a fresh head even at the same class count.
    const newHead = JSON.stringify(data.classes) !== JSON.stringify(metadata.labels);
    const normalization = metadata.input.normalization;
    logger.info(`data: ${data.train.size} train, ${data.validation.size} validation${data.test ? `, ${data.test.size} test` : ''} images; classes ${data.classes.join(', ')}`);

    const plan = prepareFinetune(base, strategy, { numClasses, newHead, seed });
    const parameters = countParameters(plan.model);
    logger.info(
      `strategy ${strategy.kind}: ${parameters.trainable.toLocaleString('en-US')} of ${parameters.total.toLocaleString('en-US')} parameters trainable (${(100 * parameters.fraction).toFixed(2)}%)${plan.headReplaced ? `; new ${numClasses}-class head` : ''}`,
    );
    const batches = (dataset: DigitDataset) => createBatches(dataset, { batchSize: 500, shuffle: false, normalization, numClasses });
    const result = await finetune(plan, datasetBatches(data.train, { batchSize, seed, normalization, numClasses }), {
      epochs,
      learningRate,
      optimizer: () => adam(),
      seed,
      validation: () => batches(data.validation),
      callbacks: json ? [] : [createProgress({ imagesPerEpoch: data.train.size, epochs })],
      onStage: ({ stage, groups, parameters: stageParameters }) => {
        if (plan.stages.length > 1) logger.info(`stage ${stage + 1}: training ${groups.join(', ')} (${stageParameters.trainable.toLocaleString('en-US')} parameters)`);
      },
    });
    // Gradual unfreezing trains more parameters in each stage: report (and record) the last stage's.
    const trainedParameters = result.parameters;
    const validation = evaluate(plan.model, batches(data.validation), { numClasses });
    const test = data.test ? evaluate(plan.model, batches(data.test), { numClasses }) : undefined;

    let saved: tfl.LayersModel = plan.model;
    const merge = values.merge === true;
    if (merge) saved = mergeLora(plan.model);
    const modelDirectory = join(out, 'model');
    const training = { strategy, epochs, learningRate, batchSize, optimizer: 'adam', schedule: 'cosine', seed, backend: selection.chosen.name, merged: merge, stages: result.stages, ...(result.best ? { best: result.best } : {}) };
    const metrics = { validation: { accuracy: validation.accuracy, loss: validation.loss }, ...(test ? { test: { accuracy: test.accuracy, loss: test.loss } } : {}), parameters: trainedParameters };
    await saveModel(saved, modelDirectory, {
      architecture: metadata.architecture,
      labels: data.classes,
      input: { normalization, ...(metadata.input.mean === undefined ? {} : { mean: metadata.input.mean }), ...(metadata.input.std === undefined ? {} : { std: metadata.input.std }) },
      training,
      metrics,
      base: { from: values.from, architecture: metadata.architecture, labels: metadata.labels, ...(metadata.metrics ? { metrics: metadata.metrics } : {}), strategy, data: data.description },
    });
    if (saved !== plan.model) saved.dispose();
    if (plan.model !== base) plan.model.dispose();
    base.dispose();

    if (json) {
      writeJson({
        modelDirectory,
        backend: selection.chosen.name,
        from: values.from,
        strategy,
        data: data.description,
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
