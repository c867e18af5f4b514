/**
 * Reads what a `--data` / `--test` spec names, the same way in every command: labels `0..n-1` with
 * `classes[label]` naming each (`'5'`, or a folder name). Folders are checked before they are read:
 * sub-folders that are not digit classes (a folder one level too high), an empty class, a class
 * with too few images.
 */
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  countLabels,
  filterClasses,
  loadMnist,
  readImageFolder,
  readKaggleCsv,
  stratifiedSplit,
  takePerClass,
  type DigitDataset,
  type MnistSplits,
} from '@digitlab/datasets/node';
import type { Logger } from './cli-support.js';
import { describeDataSpec, type DataSpec } from './data-spec.js';
import { UsageError } from './exit-codes.js';

/** Below this many images a class gets a warning: a model hardly learns it. */
const FEW_IMAGES_PER_CLASS = 10;

/** Images with labels `0..classes.length-1`. */
export interface LabelledData {
  dataset: DigitDataset;
  /** `classes[label]`: the name of each label. */
  classes: string[];
}

/** Train / validation / test data of a training or fine-tuning run, labels `0..classes.length-1`. */
export interface TrainingData {
  train: DigitDataset;
  validation: DigitDataset;
  test?: DigitDataset;
  classes: string[];
  /** What was read, for config.json and digitlab.json. */
  description: Record<string, unknown>;
}

/** Options shared by the readers. */
export interface DataInputOptions {
  /** Shuffles `per-class` picks and the validation split. */
  seed: number;
  /** `--labels`: the class names in label order; required for folders whose names are not numbers. */
  labels?: readonly string[];
  logger: Pick<Logger, 'warn'>;
  /** MNIST is read once per command even when both --data and --test name it. */
  mnist?: () => Promise<MnistSplits>;
}

type Read = { all?: DigitDataset; train?: DigitDataset; validation?: DigitDataset; test?: DigitDataset; classes: string[] };

function mnistOnce(options: DataInputOptions): () => Promise<MnistSplits> {
  if (options.mnist) return options.mnist;
  let splits: Promise<MnistSplits> | undefined;
  return () => (splits ??= loadMnist());
}

async function read(spec: DataSpec, flag: string, options: DataInputOptions): Promise<Read> {
  if (spec.kind === 'mnist') {
    const splits = await mnistOnce(options)();
    const keep = (dataset: DigitDataset) => filterClasses(dataset, spec.digits, { relabel: true });
    let train = keep(splits.train);
    if (spec.perClass !== undefined) train = takePerClass(train, spec.perClass, options.seed);
    return { train, validation: keep(splits.validation), test: keep(splits.test), classes: spec.digits.map(String) };
  }
  if (spec.kind === 'csv') {
    if (!existsSync(spec.path) && !isSymlink(spec.path)) throw new UsageError(`${flag} csv:${spec.path}: no such file. Check the path, or pass a Kaggle-style CSV (label, pixel0..pixel783).`);
    const dataset = await readKaggleCsv(spec.path, { labels: true });
    if (dataset.size === 0) throw new UsageError(`${flag} csv:${spec.path} holds no rows. Pass a Kaggle-style CSV with a label column and pixel0..pixel783.`);
    return withLabels(presentClasses(dataset, (label) => String(label)), flag, `csv:${spec.path}`, options);
  }
  checkClassFolders(spec.path, flag, options.labels);
  const dataset = await readImageFolder(resolve(spec.path), { onInvalid: 'skip' });
  for (const skipped of dataset.skipped) options.logger.warn(`skipped ${skipped.path}: ${skipped.reason}`);
  if (dataset.size === 0) {
    throw new UsageError(`${flag} folder:${spec.path} holds no usable images. Put PNG or JPEG files in one sub-folder per class (e.g. ${join(spec.path, '7', 'a.png')}).`);
  }
  const read = withLabels(presentClasses(dataset, (label) => dataset.classes[label] ?? String(label)), flag, `folder:${spec.path}`, options);
  warnFewImages(read, `folder:${spec.path}`, options.logger);
  return read;
}

/** True for a symlink, even a dangling or looping one (the reader then says which). */
function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * Stops before reading a folder whose sub-folders are not classes a digit model can have: names
 * that are not numbers (unless `--labels` lists them), or a class folder with no image file.
 */
function checkClassFolders(path: string, flag: string, labels: readonly string[] | undefined): void {
  let entries;
  try {
    entries = readdirSync(path, { withFileTypes: true });
  } catch (error) {
    throw new UsageError(`${flag} folder:${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}). Pass a folder holding one sub-folder per class.`, { cause: error });
  }
  const folders = entries.filter((entry) => entry.isDirectory() && !entry.name.startsWith('.')).map((entry) => entry.name);
  if (folders.length === 0) return; // readImageFolder says "no class folders" with an example
  const found = `[${folders.join(', ')}]`;
  if (labels) {
    const missing = folders.filter((name) => !labels.includes(name));
    if (missing.length > 0) throw new UsageError(`${flag} folder:${path} has class folders ${found}, but --labels lists [${labels.join(', ')}]; ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not among them. Give --labels every class folder's name, in label order.`);
  } else {
    const notClasses = folders.filter((name) => !/^[0-9]+$/.test(name));
    if (notClasses.length > 0) {
      const deeper = folders.filter((name) => {
        try {
          return readdirSync(join(path, name), { withFileTypes: true }).some((entry) => entry.isDirectory() && /^[0-9]$/.test(entry.name));
        } catch {
          return false;
        }
      });
      throw new UsageError(
        `${flag} folder:${path}: its sub-folders ${found} are not digit classes (0-9).` +
          (deeper.length > 0 ? ` ${deeper.map((name) => `"${name}"`).join(', ')} ${deeper.length === 1 ? 'holds' : 'hold'} digit folders itself: the folder is one level too high; pass folder:${join(path, deeper[0]!)}.` : '') +
          ` If these names are your classes, say so with --labels ${folders.join(',')} (one label per output, in order).`,
      );
    }
  }
  for (const name of folders) {
    let files: string[];
    try {
      files = readdirSync(join(path, name));
    } catch {
      continue; // readImageFolder reports an unreadable class folder with its path and the reason
    }
    const images = files.filter((file) => !file.startsWith('.') && /\.(png|jpe?g)$/i.test(file));
    if (images.length === 0) throw new UsageError(`${flag} folder:${path}: class folder "${join(path, name)}" holds no PNG or JPEG image. Add images of class ${name} or remove the folder.`);
  }
}

/** Keeps the classes that have examples, relabelled 0..n-1 in label order, with their names. */
function presentClasses(dataset: DigitDataset, nameOf: (label: number) => string): Read {
  const present = countLabels(dataset, 256).map((count, label) => (count > 0 ? label : -1)).filter((label) => label >= 0);
  return { all: filterClasses(dataset, present, { relabel: true }), classes: present.map(nameOf) };
}

/** Puts the classes in `--labels` order when it is given; every class read must be listed. */
function withLabels(data: Read, flag: string, what: string, { labels }: DataInputOptions): Read {
  if (!labels || !data.all) return data;
  const unknown = data.classes.filter((name) => !labels.includes(name));
  if (unknown.length > 0) throw new UsageError(`${flag} ${what} has classes [${data.classes.join(', ')}], but --labels lists [${labels.join(', ')}]; add ${unknown.join(', ')} to --labels.`);
  const order = data.classes.map((name) => labels.indexOf(name));
  const all = { ...data.all, labels: data.all.labels.map((label) => order[label]!) };
  return { all, classes: [...labels] };
}

function warnFewImages(data: Read, what: string, logger: Pick<Logger, 'warn'>): void {
  if (!data.all) return;
  countLabels(data.all, data.classes.length).forEach((count, label) => {
    if (count < FEW_IMAGES_PER_CLASS) {
      logger.warn(`warning: class "${data.classes[label]}" has only ${count} image${count === 1 ? '' : 's'} in ${what}; below ${FEW_IMAGES_PER_CLASS} a model hardly learns it. Add images of that class.`);
    }
  });
}

/**
 * Train, validation and (when there is one) test data: MNIST digits relabelled 0..n-1 with the MNIST
 * validation and test splits; a CSV or a folder split into train / validation by `seed`, tested on
 * `testSpec` when given. `testSpec` must have the same classes as `spec`.
 */
export async function loadTrainingData(
  spec: DataSpec,
  testSpec: DataSpec | undefined,
  options: DataInputOptions & { validationFraction: number },
): Promise<TrainingData> {
  const shared = { ...options, mnist: mnistOnce(options) };
  const main = await read(spec, '--data', shared);
  if (main.classes.length < 2) {
    throw new UsageError(`--data ${describeDataSpec(spec)} holds a single class (${main.classes.join('')}): a classifier needs at least 2. Add folders or rows of other classes.`);
  }
  let train = main.train;
  let validation = main.validation;
  if (main.all) {
    const size = Math.max(main.classes.length, Math.round(main.all.size * options.validationFraction));
    if (size >= main.all.size) throw new UsageError(`--data has only ${main.all.size} images for ${main.classes.length} classes: too few to hold out a validation split. Add images (a few per class at least).`);
    ({ train, validation } = stratifiedSplit(main.all, size, options.seed));
  }
  let test = main.test;
  if (testSpec) {
    const extra = await read(testSpec, '--test', shared);
    test = extra.all ?? extra.test;
    if (extra.classes.length !== main.classes.length || extra.classes.some((name, index) => name !== main.classes[index])) {
      throw new UsageError(
        `--test has classes [${extra.classes.join(', ')}] but --data has [${main.classes.join(', ')}]: the class counts or names do not match. Give test data with the same classes.`,
      );
    }
  }
  const description = {
    spec: describeDataSpec(spec),
    ...(testSpec ? { test: describeDataSpec(testSpec) } : {}),
    classes: main.classes,
    train: train!.size,
    validation: validation!.size,
    ...(test ? { testSize: test.size } : {}),
  };
  return { train: train!, validation: validation!, ...(test ? { test } : {}), classes: main.classes, description };
}

/** The data to score a model on: the test split of MNIST, or every image of a CSV or folder. */
export async function loadEvaluationData(spec: DataSpec, options: DataInputOptions & { flag?: string }): Promise<LabelledData> {
  const data = await read(spec, options.flag ?? '--data', options);
  return { dataset: (data.all ?? data.test)!, classes: data.classes };
}
