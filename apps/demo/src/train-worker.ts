/**
 * Trains `fast-cnn` from scratch on the MNIST training set in a Web Worker, so the page never
 * freezes: on the fastest engine that loads (see backend.ts: wasm with threads on a machine without
 * a GPU when the page is cross-origin isolated); Adam with a
 * one-cycle schedule, the trainer's `trainStep`, batches from the datasets package over the 55,000
 * training digits (the standard split; the page ships the MNIST files under `mnist/`). Posts every
 * step's loss, accuracy and throughput, evaluates on the test set after each epoch, and posts the
 * model when done or stopped. Pause holds the loop between steps.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createBatches, imagesToTensor, loadMnistFromUrl, type DigitDataset } from '@digitlab/datasets';
import { MNIST_MEAN, MNIST_STD, createModel, type ModelMetadata } from '@digitlab/models';
import { adam, learningRateAt, momentumAt, trainStep, type ScheduleConfig } from '@digitlab/trainer';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import modelsPackage from '@digitlab/models/package.json' with { type: 'json' };
import { startBackend } from './backend.js';
import type { FromWorker, ToWorker, TrainSettings } from './train-protocol.js';

const post = (message: FromWorker, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(message, transfer);
let paused = false;
let stopped = false;
let wake: (() => void) | undefined;

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  if (message.type === 'start') train(message.settings).catch((error: unknown) => post({ type: 'error', message: (error as Error).message }));
  else if (message.type === 'pause') paused = true;
  else {
    if (message.type === 'stop') stopped = true;
    paused = false;
    wake?.();
  }
};

async function train(settings: TrainSettings): Promise<void> {
  post({ type: 'backend', ...(await startBackend(settings.baseUrl)) });

  post({ type: 'status', message: 'loading MNIST…' });
  const { train: trainSet, test: testSet } = await loadMnistFromUrl({ baseUrl: new URL('mnist/', settings.baseUrl), cache: false, seed: settings.seed });
  const model = createModel('fast-cnn', { seed: settings.seed });
  const optimizer = adam({ beta1: 0.7, beta2: 0.9 });
  const stepsPerEpoch = Math.ceil(trainSet.size / settings.batchSize);
  const schedule: ScheduleConfig = { kind: 'one-cycle', learningRate: settings.learningRate, totalSteps: settings.epochs * stepsPerEpoch, cycleMomentum: false };
  let step = 0;
  let testAccuracy: number | undefined;
  post({ type: 'status', message: 'training' });
  try {
    for (let epoch = 0; epoch < settings.epochs && !stopped; epoch++) {
      for (const batch of createBatches(trainSet, { batchSize: settings.batchSize, seed: settings.seed, epoch, normalization: 'mnist' })) {
        const started = performance.now();
        try {
          const result = trainStep(model, batch, optimizer, { learningRate: learningRateAt(schedule, step), momentum: momentumAt(schedule, step), step, epoch, seed: settings.seed });
          const seconds = (performance.now() - started) / 1000;
          post({ type: 'step', step: step + 1, totalSteps: schedule.totalSteps, epoch, loss: result.loss, accuracy: result.accuracy, imagesPerSecond: batch.size / seconds });
        } finally {
          batch.xs.dispose();
          batch.ys.dispose();
        }
        step++;
        // Let pause / stop messages in between steps.
        await new Promise((resolve) => setTimeout(resolve, 0));
        while (paused && !stopped) await new Promise<void>((resolve) => (wake = resolve));
        if (stopped) break;
      }
      testAccuracy = evaluate(model, testSet);
      post({ type: 'evaluated', epoch, testAccuracy });
    }
    await postModel(model, settings, step, testAccuracy);
  } finally {
    model.dispose();
    optimizer.dispose();
  }
}

/** Accuracy on `dataset`, 1,000 images at a time. */
function evaluate(model: LayersModel, dataset: DigitDataset): number {
  let right = 0;
  for (let start = 0; start < dataset.size; start += 1000) {
    const end = Math.min(dataset.size, start + 1000);
    const predicted = tf.tidy(() => tf.argMax(model.predict(imagesToTensor(dataset.images.subarray(start * 784, end * 784), 'mnist')) as tf.Tensor, -1).dataSync());
    for (let i = 0; i < predicted.length; i++) if (predicted[i] === dataset.labels[start + i]) right++;
  }
  return right / dataset.size;
}

async function postModel(model: LayersModel, settings: TrainSettings, steps: number, testAccuracy: number | undefined): Promise<void> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (saved) => {
    artifacts = saved;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  const metadata: ModelMetadata = {
    format: 'digitlab-model',
    formatVersion: 1,
    architecture: 'fast-cnn',
    labels: Array.from({ length: 10 }, (_, index) => String(index)),
    input: { shape: [28, 28, 1], normalization: 'mnist', mean: MNIST_MEAN, std: MNIST_STD },
    outputs: 'logits',
    training: { model: 'fast-cnn', epochs: settings.epochs, batchSize: settings.batchSize, optimizer: 'adam', lr: settings.learningRate, schedule: 'one-cycle', seed: settings.seed, steps, backend: tf.getBackend(), where: 'in the demo page' },
    ...(testAccuracy === undefined ? {} : { metrics: { test: { accuracy: testAccuracy } } }),
    versions: { tfjs: tf.version_core, '@digitlab/models': modelsPackage.version },
    createdAt: new Date().toISOString(),
  };
  const buffers = artifacts?.weightData instanceof ArrayBuffer ? [artifacts.weightData] : [];
  post({ type: 'model', artifacts: artifacts!, metadata }, buffers);
}
