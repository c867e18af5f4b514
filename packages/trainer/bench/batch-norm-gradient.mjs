#!/usr/bin/env node
/**
 * The closed-form batch-norm gradient of @digitlab/models (`batchNormInTraining`, which
 * `createModel` gives every trainable BN layer) against stock tfjs-layers' op-by-op gradient, on
 * wasm: one training step (Adam) of each BN zoo model, both versions built from the same seed,
 * interleaved round by round; prints the gradients' largest relative difference (dropout off) and
 * the fastest and median step of each.
 *
 *   npx tsc --build packages/trainer && node packages/trainer/bench/batch-norm-gradient.mjs [--models bn-cnn,resnet-mini] [--batch 128] [--rounds 6] [--threads 1]
 *
 * The machine is shared: compare the two columns of one run.
 */
import { setFlagsFromString } from 'node:v8';
import { parseArgs } from 'node:util';

if (Number(process.versions.node.split('.')[0]) < 22) setFlagsFromString('--experimental-wasm-relaxed-simd');
const tf = await import('@tensorflow/tfjs-core');
const { createWasmPlugin } = await import('@digitlab/backend-wasm');
const { createModel } = await import('@digitlab/models/node');

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: 'bn-cnn,resnet-mini' },
    batch: { type: 'string', default: '128' },
    rounds: { type: 'string', default: '6' },
    threads: { type: 'string', default: '1' },
  },
});
await createWasmPlugin().load({ threads: Number(values.threads) });
const batch = Number(values.batch);
const images = tf.randomNormal([batch, 28, 28, 1], 0, 1, 'float32', 3);
const labels = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32', 4), 10);

/** The zoo model; `stock` puts tfjs-layers' own BatchNormalization.call back on its BN layers. */
function build(name, stock) {
  const model = createModel(name, { seed: 1 });
  if (stock) for (const layer of model.layers) if (layer.getClassName() === 'BatchNormalization') layer.call = Object.getPrototypeOf(layer).call.bind(layer);
  return model;
}

const results = [];
for (const name of values.models.split(',')) {
  const versions = { stock: { model: build(name, true), optimizer: tf.train.adam(1e-3), times: [] }, closedForm: { model: build(name, false), optimizer: tf.train.adam(1e-3), times: [] } };
  const loss = (model) => tf.losses.softmaxCrossEntropy(labels, model.apply(images, { training: true }));
  // Gradients of one batch, dropout off (its masks are random).
  const dropouts = Object.values(versions).flatMap(({ model }) => model.layers.filter((layer) => layer.getClassName() === 'Dropout'));
  const rates = dropouts.map((layer) => layer.rate);
  for (const layer of dropouts) layer.rate = 0;
  const gradients = Object.fromEntries(Object.entries(versions).map(([key, { model }]) => {
    const { value, grads } = tf.variableGrads(() => loss(model), model.trainableWeights.map((weight) => weight.val));
    const arrays = Object.values(grads).map((tensor) => tensor.dataSync());
    tf.dispose([value, ...Object.values(grads)]);
    return [key, arrays];
  }));
  dropouts.forEach((layer, index) => { layer.rate = rates[index]; });
  let worst = 0;
  gradients.stock.forEach((expected, index) => {
    let scale = 0;
    let error = 0;
    expected.forEach((value, i) => { scale = Math.max(scale, Math.abs(value)); error = Math.max(error, Math.abs(value - gradients.closedForm[index][i])); });
    worst = Math.max(worst, error / scale);
  });
  const step = ({ model, optimizer }) => tf.tidy(() => { optimizer.minimize(() => loss(model)); });
  for (const version of Object.values(versions)) for (let i = 0; i < 2; i++) step(version); // warm-up
  const before = tf.memory().numTensors;
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const version of Object.values(versions)) {
      const start = performance.now();
      step(version);
      version.times.push(performance.now() - start);
    }
  }
  const summary = (times) => { const sorted = [...times].sort((a, b) => a - b); return { min: Math.round(sorted[0]), median: Math.round(sorted[sorted.length >> 1]) }; };
  results.push({ model: name, batch, threads: Number(values.threads), maxRelativeGradientDifference: worst, stepMs: { stock: summary(versions.stock.times), closedForm: summary(versions.closedForm.times) }, leakedPerStep: (tf.memory().numTensors - before) / (2 * Number(values.rounds)) });
  for (const { model, optimizer } of Object.values(versions)) { model.dispose(); optimizer.dispose(); }
}
tf.dispose([images, labels]);
console.log(JSON.stringify(results, null, 2));
