// Batch pipeline throughput on real MNIST, against the built package:
//   npx tsc --build packages/datasets && node packages/datasets/bench/batches.mjs
// Prints one JSON object: loadMnist() time, then batches/s and images/s for batch 64 and 128,
// with and without augmentation. Tensors are created (and disposed) on the cpu backend, as a
// trainer would receive them; the model itself is not part of the measurement.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { RECOMMENDED_AUGMENTATION, createBatches, loadMnist } from '../dist/index.js';

const minimumSeconds = Number(process.env.BENCH_SECONDS ?? 2);
await tf.setBackend('cpu');

const loadStarted = performance.now();
const { train } = await loadMnist({ sources: ['package'] });
const loadSeconds = (performance.now() - loadStarted) / 1000;

const cases = [
  { name: 'plain', augment: false },
  { name: 'affine', augment: RECOMMENDED_AUGMENTATION },
  { name: 'affine+elastic', augment: { ...RECOMMENDED_AUGMENTATION, elastic: { alpha: 34, sigma: 4 } } },
];
const results = [];
for (const batchSize of [64, 128]) {
  for (const { name, augment } of cases) {
    let batches = 0;
    let images = 0;
    let epoch = 0;
    const started = performance.now();
    outer: for (;;) {
      for (const batch of createBatches(train, { batchSize, normalization: 'mnist', augment, seed: 0, epoch: epoch++ })) {
        batches++;
        images += batch.size;
        tf.dispose([batch.xs, batch.ys]);
        if (performance.now() - started > minimumSeconds * 1000) break outer;
      }
    }
    const seconds = (performance.now() - started) / 1000;
    results.push({ batchSize, augment: name, batchesPerSecond: Math.round(batches / seconds), imagesPerSecond: Math.round(images / seconds) });
  }
}
const leaked = tf.memory().numTensors;
console.log(JSON.stringify({ node: process.version, loadMnistSeconds: Number(loadSeconds.toFixed(3)), secondsPerCase: minimumSeconds, leakedTensors: leaked, results }, null, 2));
