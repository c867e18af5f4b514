/**
 * A custom trainer on `trainStep`: its own loss (cross-entropy with a confidence penalty), its own
 * schedule (cosine with warm-up, as a pure function of the step) and its own per-epoch report.
 * Run: `pnpm build && node examples/custom-trainer.ts` (Node ≥ 22.18 runs TypeScript as is).
 */
import { fileURLToPath } from 'node:url';
import { createCpuPlugin, selectBackend } from '@digitlab/backend';
import { createWasmPlugin } from '@digitlab/backend-wasm';
import { createBatches, loadMnist, takePerClass } from '@digitlab/datasets/node';
import { createModel } from '@digitlab/models';
import { adam, evaluate, learningRateAt, softmaxCrossEntropy, trainStep, type ScheduleConfig } from '@digitlab/trainer';
import * as tf from '@tensorflow/tfjs-core';

/** L = CE(y, p) − β·H(p): penalises over-confident predictions (Pereyra et al., 2017). */
export function confidencePenaltyLoss(beta: number) {
  return (logits: tf.Tensor, labels: tf.Tensor): tf.Scalar =>
    tf.tidy(() => {
      const logProbabilities = tf.logSoftmax(logits);
      const entropy = tf.neg(tf.mean(tf.sum(tf.mul(tf.exp(logProbabilities), logProbabilities), -1)));
      return tf.sub(softmaxCrossEntropy(logits, labels), tf.mul(beta, entropy)) as tf.Scalar;
    });
}

/** Trains fast-cnn on `perClass` images of each digit and scores it on `testPerClass` test images of each. */
export async function trainCustom({ perClass = 500, testPerClass = 100, epochs = 2, batchSize = 64, report = console.log } = {}) {
  const { train, test } = await loadMnist();
  const data = takePerClass(train, perClass, 0);
  const model = createModel('fast-cnn', { seed: 0 });
  const optimizer = adam();
  const stepsPerEpoch = Math.ceil(data.size / batchSize);
  const schedule: ScheduleConfig = { kind: 'cosine', learningRate: 0.003, totalSteps: epochs * stepsPerEpoch, warmupSteps: Math.ceil(stepsPerEpoch / 4) };
  const loss = confidencePenaltyLoss(0.1);
  let step = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    let lossSum = 0;
    for (const batch of createBatches(data, { batchSize, seed: 0, epoch, normalization: 'mnist' })) {
      lossSum += trainStep(model, batch, optimizer, { learningRate: learningRateAt(schedule, step), loss, step, epoch }).loss;
      tf.dispose([batch.xs, batch.ys]);
      step += 1;
    }
    report(`epoch ${epoch + 1}: loss ${(lossSum / stepsPerEpoch).toFixed(4)}, next lr ${learningRateAt(schedule, step).toExponential(2)}`);
  }
  const { accuracy } = evaluate(model, createBatches(takePerClass(test, testPerClass, 0), { batchSize: 500, shuffle: false, normalization: 'mnist' }));
  report(`test accuracy ${(100 * accuracy).toFixed(2)}% after ${step} steps`);
  model.dispose();
  optimizer.dispose();
  return { accuracy, steps: step };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await selectBackend('auto', { plugins: [createWasmPlugin(), createCpuPlugin()] });
  await trainCustom();
}
