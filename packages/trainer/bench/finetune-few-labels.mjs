#!/usr/bin/env node
// @digitlab-bench skip: long (tens of minutes on 2 cores): run it on its own, its header says how
/**
 * Few labels in a new handwriting style: the shipped pretrained fast-cnn (`loadPretrained('fast-cnn')`,
 * 99.06% on MNIST test) fine-tuned on K = 10, 100, 1000 images per class of a shifted domain,
 * against the same net (fast-cnn) trained from scratch on the same K images (same steps), and the
 * untouched pretrained model. The shifted domain: MNIST digits with thickened strokes (3x3
 * dilation), elastic distortion (Simard alpha 34, sigma 4) and rotation up to 15°, each image
 * transformed once with a fixed seed (train from the MNIST train split, test from the first
 * --test-size MNIST test images; the pretrained model was trained on the train split's originals
 * of some of these, never on the test digits).
 *
 *   npx tsc --build packages/trainer packages/backend-wasm && node packages/trainer/bench/finetune-few-labels.mjs \
 *     [--shots 10,100,1000] [--test-size 2000] [--seed 0]
 *
 * Prints a markdown table on stdout and the JSON of every row on stderr.
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { createWasmPlugin } from '@digitlab/backend-wasm';
import { RECOMMENDED_AUGMENTATION, augmentImage, createBatches, createRandom, loadMnist, subsetDataset, takePerClass } from '@digitlab/datasets/node';
import { createModel, loadPretrained } from '@digitlab/models/node';
import { datasetBatches, evaluate, finetune, prepareFinetune } from '@digitlab/trainer/node';

const { values } = parseArgs({
  options: {
    shots: { type: 'string', default: '10,100,1000' },
    'test-size': { type: 'string', default: '2000' },
    'batch-size': { type: 'string', default: '32' },
    seed: { type: 'string', default: '0' },
    threads: { type: 'string', default: '1' },
    'full-lr': { type: 'string', default: '0.001' },
    'lora-lr': { type: 'string', default: '0.02' },
    'scratch-lr': { type: 'string', default: '0.003' },
    /** Rotation ±10°, zoom 0.9-1.1, shift ±10% on the K training images of every run. */
    augment: { type: 'boolean', default: false },
  },
});
const seed = Number(values.seed);
const batchSize = Number(values['batch-size']);
const log = (message) => process.stderr.write(`${message}\n`);
log(`machine: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at start`);
const loaded = await createWasmPlugin().load({ threads: Number(values.threads) });
log(`backend: ${loaded.name} ${JSON.stringify(loaded.capabilities)}`);
const splits = await loadMnist();
const first = (dataset, count) => subsetDataset(dataset, Array.from({ length: Math.min(count, dataset.size) }, (_, i) => i));
const evalBatches = (dataset) => createBatches(dataset, { batchSize: 1000, shuffle: false, normalization: 'mnist' });

/** Thick, wobbly strokes: 3x3 dilation, then a fixed elastic + rotation per image. */
function shift(dataset, domainSeed) {
  const random = createRandom(domainSeed);
  const images = new Uint8Array(dataset.images.length);
  const thick = new Uint8Array(784);
  for (let n = 0; n < dataset.size; n++) {
    const source = dataset.images.subarray(n * 784, (n + 1) * 784);
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) {
        let max = 0;
        for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          if (yy >= 0 && yy < 28 && xx >= 0 && xx < 28) max = Math.max(max, source[yy * 28 + xx]);
        }
        thick[y * 28 + x] = max;
      }
    }
    augmentImage(thick, images.subarray(n * 784, (n + 1) * 784), { rotation: 15, elastic: { alpha: 34, sigma: 4 } }, random);
  }
  return { images, labels: dataset.labels.slice(), size: dataset.size };
}

// 1. The shipped pretrained model (a fresh copy for every run).
const architecture = 'fast-cnn';
const pretrained = async () => (await loadPretrained(architecture)).model;

const shiftedTest = shift(first(splits.test, Number(values['test-size'])), seed + 1);
const untouched = await pretrained();
const untouchedAccuracy = evaluate(untouched, evalBatches(shiftedTest)).accuracy;
untouched.dispose();
log(`untouched pretrained model on the shifted test set: ${(100 * untouchedAccuracy).toFixed(2)}%`);

// 2. For each K: fine-tune (full, and LoRA) vs scratch, same images, same number of steps.
const epochsFor = (k) => (k <= 10 ? 30 : k <= 100 ? 8 : 2);
const rows = [];
for (const k of values.shots.split(',').map(Number)) {
  const train = shift(takePerClass(splits.train, k, seed), seed + 2);
  const epochs = epochsFor(k);
  const row = { k, images: train.size, epochs };
  const runs = {
    finetuned: { make: pretrained, strategy: { kind: 'full' }, learningRate: Number(values['full-lr']) },
    lora: { make: pretrained, strategy: { kind: 'lora', rank: 4, targets: ['conv', 'dense'] }, learningRate: Number(values['lora-lr']) },
    scratch: { make: async () => createModel(architecture, { seed: seed + 100 }), strategy: { kind: 'full' }, learningRate: Number(values['scratch-lr']) },
  };
  for (const [name, { make, strategy, learningRate }] of Object.entries(runs)) {
    const model = await make();
    const plan = prepareFinetune(model, strategy, { seed });
    const result = await finetune(plan, datasetBatches(train, { batchSize, seed, normalization: 'mnist', augment: values.augment ? RECOMMENDED_AUGMENTATION : false }), { epochs, learningRate, seed });
    row[name] = evaluate(plan.model, evalBatches(shiftedTest)).accuracy;
    row[`${name}Seconds`] = result.trainSeconds;
    if (plan.model !== model) plan.model.dispose();
    model.dispose();
  }
  rows.push(row);
  log(JSON.stringify(row));
}
log(`tensors alive at the end: ${tf.memory().numTensors}`);
const pct = (value) => `${(100 * value).toFixed(2)}%`;
process.stdout.write(
  `\nFew labels of a shifted style (thick + elastic + rotated digits), ${architecture}, wasm 1 thread, Adam + cosine, batch ${batchSize}${values.augment ? ', augmented (rotation ±10°, zoom 0.9-1.1, shift ±10%)' : ''}; test: ${shiftedTest.size} shifted MNIST test digits; load average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')}.\n` +
    `Pretrained model: loadPretrained('${architecture}') (shipped); untouched on the shifted test set: ${pct(untouchedAccuracy)}.\n\n` +
    `| K per class | images | epochs | from scratch (lr ${values['scratch-lr']}) | pretrained, full fine-tune (lr ${values['full-lr']}) | pretrained, LoRA r4 + head (lr ${values['lora-lr']}) | training s (scratch / full / LoRA) |\n|---|---|---|---|---|---|---|\n` +
    rows.map((row) => `| ${row.k} | ${row.images} | ${row.epochs} | ${pct(row.scratch)} | ${pct(row.finetuned)} | ${pct(row.lora)} | ${[row.scratchSeconds, row.finetunedSeconds, row.loraSeconds].map((s) => s.toFixed(1)).join(' / ')} |`).join('\n') +
    '\n',
);
