/**
 * The measurement behind `digitlab bench`: training and inference of a zoo model on random data,
 * with a hand-written step (forward, softmax cross-entropy, gradients, update) so the figure is the
 * engine's and not a training loop's. Inference is timed on the trained model with its batch
 * normalisations folded (`foldBatchNorm`) and called layer by layer (`inferenceFunction`), as
 * `predict`, `evaluate` and the demo serve it.
 * Warm-up steps are excluded from timing.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { createModel, foldBatchNorm, inferenceFunction, type ModelName } from '@digitlab/models/node';
import { adam, sgd, type Optimizer } from '@digitlab/trainer';
import type { CpuPeak } from './cpu-peak.js';
import { profileStep } from './profile-step.js';
import type { StepProfile } from './profile-table.js';

/** The optimizers `digitlab bench` offers, with pytorch_reference.py's settings. */
export const benchOptimizers = ['sgdm', 'adam'] as const;

/** What to measure. */
export interface BenchmarkOptions {
  model: ModelName;
  optimizer: (typeof benchOptimizers)[number];
  batch: number;
  steps: number;
  warmup: number;
  seed: number;
  /** When set, one profiled training step and one profiled inference follow the timed ones. */
  profilePeak?: CpuPeak;
}

/** What was measured. */
export interface BenchmarkMeasurement {
  /** Which model inference was timed on: the trained one with its batch normalisations folded into the layers before them, run by `inferenceFunction`. */
  inferModel: 'folded';
  trainImagesPerSecond: number;
  inferImagesPerSecond: number;
  /** Median wall time of one inference call (`predict` + read-back), in ms: the latency at this batch size. */
  inferLatencyMs: number;
  /** Tensors left alive per timed training step; anything above 0 is a leak. */
  leakedTensorsPerStep: number;
  profile?: { train: StepProfile; infer: StepProfile };
}

/** Times `steps` training steps and `steps` inference calls on the current backend, after `warmup` of each. */
export async function runBenchmark({ model: name, optimizer: optimizerName, batch, steps, warmup, seed, profilePeak }: BenchmarkOptions): Promise<BenchmarkMeasurement> {
  const model = createModel(name, { seed });
  // The optimizers `digitlab train` runs (@digitlab/trainer), with pytorch_reference.py's settings:
  // torch.optim.SGD(lr 0.01, momentum 0.9), torch.optim.Adam(lr 0.01, betas 0.7/0.9, eps 1e-8).
  const optimizer = optimizerName === 'sgdm' ? sgd({ momentum: 0.9 }) : adam({ beta1: 0.7, beta2: 0.9 });
  const images = tf.randomNormal([batch, 28, 28, 1], 0, 1, 'float32', seed);
  const labels = tf.tidy(() => tf.cast(tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32', seed + 1), 10), 'float32'));
  let inferenceModel: tfl.LayersModel | undefined;
  try {
    // Only this model's trainable weights: minimize() would otherwise update every trainable variable alive.
    const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
    const trainStep = () => {
      trainOneStep(model, optimizer, variables, images, labels);
    };
    for (let step = 0; step < warmup; step += 1) trainStep();
    const tensorsBefore = tf.memory().numTensors;
    const trainSeconds = timeSeconds(() => {
      for (let step = 0; step < steps; step += 1) trainStep();
    });
    const leakedTensorsPerStep = (tf.memory().numTensors - tensorsBefore) / steps;

    // Inference runs on what users serve: a folded copy of the trained model (the same logits,
    // fewer layers). Folding after the training steps carries their moving statistics over.
    inferenceModel = foldBatchNorm(model);
    // Called layer by layer on the whole batch (`inferenceFunction`): predict() would split it into
    // its default batchSize of 32 (two calls and a Concat at batch 64), and one call at the full
    // batch is what PyTorch and onnxruntime are timed on.
    const served = inferenceFunction(inferenceModel);
    const inferStep = () => {
      tf.tidy(() => served(images).dataSync());
    };
    for (let step = 0; step < warmup; step += 1) inferStep();
    const callMilliseconds: number[] = [];
    for (let step = 0; step < steps; step += 1) callMilliseconds.push(1000 * timeSeconds(inferStep));
    const inferSeconds = callMilliseconds.reduce((total, value) => total + value, 0) / 1000;
    const measurement: BenchmarkMeasurement = {
      inferModel: 'folded',
      trainImagesPerSecond: (batch * steps) / trainSeconds,
      inferImagesPerSecond: (batch * steps) / inferSeconds,
      inferLatencyMs: median(callMilliseconds),
      leakedTensorsPerStep,
    };
    if (profilePeak) {
      measurement.profile = {
        train: await profileStep('train', batch, profilePeak, trainStep),
        infer: await profileStep('infer', batch, profilePeak, inferStep),
      };
    }
    return measurement;
  } finally {
    tf.dispose([images, labels]);
    optimizer.dispose();
    inferenceModel?.dispose();
    model.dispose();
  }
}

/**
 * One step, as the math reads: logits = f(x; θ); loss = mean softmax cross-entropy(y, logits);
 * θ ← update(θ, ∂loss/∂θ). Reading the loss back after the update makes the step finish inside the timed region.
 */
function trainOneStep(model: tfl.LayersModel, optimizer: Optimizer, variables: tf.Variable[], images: tf.Tensor, labels: tf.Tensor): number {
  return tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => {
      const logits = model.apply(images, { training: true }) as tf.Tensor;
      return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
    }, variables);
    optimizer.applyGradients(variables, variables.map((variable) => grads[variable.name]!), { learningRate: 0.01 });
    return value.dataSync()[0] ?? Number.NaN;
  });
}

function timeSeconds(body: () => void): number {
  const start = performance.now();
  body();
  return (performance.now() - start) / 1000;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
}
