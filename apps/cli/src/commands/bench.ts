/**
 * `digitlab bench` — training and inference throughput of a zoo model on one backend, on random
 * data, with a hand-written step (forward, softmax cross-entropy, gradients, update) so the figure
 * is the engine's and not a training loop's. Warm-up steps are excluded from timing. Prints
 * `{ backend, model, batch, threads, steps, trainImagesPerSecond, inferImagesPerSecond, leakedTensorsPerStep }`.
 * The model definitions are the ones `bench/pytorch_reference.py` uses, so ratios are like for like.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { createModel } from '@digitlab/models/node';
import { chooseBackend } from '../backends.js';
import { createLogger, numberFlag, parseCommandArgs, runCommand, UsageError, writeJson } from '../cli-support.js';

const models = ['seed-cnn', 'resnet-mini', 'fast-cnn', 'fast-bn-cnn', 'bn-cnn'] as const;
const optimizers = ['sgdm', 'adam'] as const;

const usage = `usage: digitlab bench [--model ${models.join('|')}] [--backend NAME] [--batch 64] [--steps N]
                      [--warmup N] [--optimizer sgdm|adam] [--threads N] [--seed N] [--json]

Measures training and inference images/s on random data. Defaults: seed-cnn, auto backend, batch 64,
20 timed steps after 3 warm-up steps, SGD with momentum 0.9 and learning rate 0.01.
`;

/** What `digitlab bench` prints. */
export interface BenchResult {
  backend: string;
  model: string;
  batch: number;
  threads: number | null;
  steps: number;
  warmup: number;
  optimizer: string;
  trainImagesPerSecond: number;
  inferImagesPerSecond: number;
  /** Tensors left alive per timed training step; anything above 0 is a leak. */
  leakedTensorsPerStep: number;
  capabilities: Record<string, string | number | boolean>;
}

/** Runs `digitlab bench`. */
export async function run(argv: string[]): Promise<number> {
  return runCommand('bench', argv, usage, async ({ json }) => {
    const { values } = parseCommandArgs(argv, {
      model: { type: 'string' },
      backend: { type: 'string' },
      batch: { type: 'string' },
      steps: { type: 'string' },
      warmup: { type: 'string' },
      optimizer: { type: 'string' },
      threads: { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'boolean' },
    });
    const model = oneOf(values, 'model', models, 'seed-cnn');
    const optimizer = oneOf(values, 'optimizer', optimizers, 'sgdm');
    const batch = numberFlag(values, 'batch', 64, { integer: true, min: 1 });
    const steps = numberFlag(values, 'steps', 20, { integer: true, min: 1 });
    const warmup = numberFlag(values, 'warmup', 3, { integer: true, min: 0 });
    const seed = numberFlag(values, 'seed', 0, { integer: true });
    const threads = values.threads === undefined ? undefined : numberFlag(values, 'threads', 1, { integer: true, min: 1 });
    const logger = createLogger();
    const { chosen } = await chooseBackend(typeof values.backend === 'string' ? values.backend : 'auto', { threads, logger });
    logger.info(`bench: ${model}, batch ${batch}, ${optimizer}, ${warmup} warm-up + ${steps} timed steps`);
    const measured = await benchmark({ model, optimizer, batch, steps, warmup, seed });
    const result: BenchResult = {
      backend: chosen.name,
      model,
      batch,
      threads: typeof chosen.capabilities.threads === 'number' ? chosen.capabilities.threads : (threads ?? null),
      steps,
      warmup,
      optimizer,
      ...measured,
      capabilities: chosen.capabilities,
    };
    if (json) writeJson(result);
    else
      process.stdout.write(
        `${model} on ${chosen.name}, batch ${batch}: train ${result.trainImagesPerSecond.toFixed(1)} img/s, ` +
          `infer ${result.inferImagesPerSecond.toFixed(1)} img/s, leaked tensors/step ${result.leakedTensorsPerStep}\n`,
      );
    return 0;
  });
}

function oneOf<T extends string>(values: Record<string, unknown>, flag: string, choices: readonly T[], fallback: T): T {
  const value = values[flag] ?? fallback;
  if (!choices.includes(value as T)) throw new UsageError(`Unsupported --${flag}: "${String(value)}". Should be one of: ${choices.join(', ')}`);
  return value as T;
}

interface BenchOptions {
  model: (typeof models)[number];
  optimizer: (typeof optimizers)[number];
  batch: number;
  steps: number;
  warmup: number;
  seed: number;
}

/** Times `steps` training steps and `steps` inference batches on the current backend, after `warmup` of each. */
async function benchmark({ model: name, optimizer: optimizerName, batch, steps, warmup, seed }: BenchOptions) {
  const model = createModel(name, { seed });
  // The same SGD-momentum / Adam settings as pytorch_reference.py (lr 0.01, Adam betas 0.7/0.9).
  const optimizer = optimizerName === 'sgdm' ? tf.train.momentum(0.01, 0.9) : tf.train.adam(0.01, 0.7, 0.9);
  const images = tf.randomNormal([batch, 28, 28, 1], 0, 1, 'float32', seed);
  const labels = tf.tidy(() => tf.cast(tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32', seed + 1), 10), 'float32'));
  try {
    // Only this model's trainable weights: minimize() would otherwise update every trainable variable alive.
    const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
    const trainStep = () => trainOneStep(model, optimizer, variables, images, labels);
    for (let step = 0; step < warmup; step += 1) trainStep();
    const tensorsBefore = tf.memory().numTensors;
    const trainSeconds = timeSeconds(() => {
      for (let step = 0; step < steps; step += 1) trainStep();
    });
    const leakedTensorsPerStep = (tf.memory().numTensors - tensorsBefore) / steps;

    const inferStep = () => tf.tidy(() => (model.predict(images) as tf.Tensor).dataSync());
    for (let step = 0; step < warmup; step += 1) inferStep();
    const inferSeconds = timeSeconds(() => {
      for (let step = 0; step < steps; step += 1) inferStep();
    });
    return {
      trainImagesPerSecond: (batch * steps) / trainSeconds,
      inferImagesPerSecond: (batch * steps) / inferSeconds,
      leakedTensorsPerStep,
    };
  } finally {
    tf.dispose([images, labels]);
    optimizer.dispose();
    model.dispose();
  }
}

/**
 * One step, as the math reads: logits = f(x; θ); loss = mean softmax cross-entropy(y, logits);
 * θ ← update(θ, ∂loss/∂θ). Reading the loss back makes the step finish inside the timed region.
 */
function trainOneStep(model: tfl.LayersModel, optimizer: tf.Optimizer, variables: tf.Variable[], images: tf.Tensor, labels: tf.Tensor): number {
  const loss = optimizer.minimize(() => {
    const logits = model.apply(images, { training: true }) as tf.Tensor;
    return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
  }, true, variables);
  if (!loss) throw new Error('optimizer.minimize returned no loss');
  const value = loss.dataSync()[0] ?? Number.NaN;
  loss.dispose();
  return value;
}

function timeSeconds(body: () => void): number {
  const start = performance.now();
  body();
  return (performance.now() - start) / 1000;
}
