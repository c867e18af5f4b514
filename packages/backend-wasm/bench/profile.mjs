// @digitlab-bench skip: a developer tool for kernel work; pnpm bench measures throughput through digitlab bench
// Lists kernels by time for one training step of each zoo model on wasm (our kernels registered),
// and the kernels stock tfjs-backend-wasm 4.22 lacks. Run after `npx tsc --build packages/backend-wasm`:
//   node packages/backend-wasm/bench/profile.mjs [model ...] [--batch 64] [--optimizer sgdm|adam|adamw] [--stock] [--plain (no FMA)] [--calls KERNEL] [--zoo] [--repeat N] [--infer]
// --infer profiles one inference batch (model.predict, read back) instead of a training step (with --batch 1: latency).
// --repeat N profiles N steps and keeps each kernel call's fastest time over them (the calls of a step come in the
// same order every step): on a shared machine one step's figures carry other processes' pauses.
// Entries that are not kernels of the backend (tf.customGrad's forward, reported under its scope's name,
// e.g. "unnamed scope") wrap kernels listed on their own: they are shown as "(scope)" and left out of the total.
// --zoo profiles @digitlab/models' own builds (what `digitlab bench` and `train` run: its closed-form
// batch-norm gradient, dropout, seeded initialisers; build packages/models first) instead of bench/models.mjs.
// With --zoo, a model name ending in ":folded" profiles that model after foldBatchNorm (what predict and the demo serve).
import './relaxed-simd.mjs'; // first: FMA kernels, as apps get them
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers';
import * as wasmModule from '@tensorflow/tfjs-backend-wasm';
import { createWasmPlugin, wasmTrainingKernelNames } from '../dist/index.js';
import { models, trainStep } from './models.mjs';

const args = process.argv.slice(2);
const flag = (name, fallback) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : fallback; };
const batch = Number(flag('batch', 64));
const repeat = Number(flag('repeat', 1));
const infer = args.includes('--infer');
const optimizerName = flag('optimizer', 'sgdm');
const names = args.filter((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--') && !['--stock', '--plain', '--zoo', '--infer'].includes(args[i - 1])));
const selected = names.length ? names : ['seed-cnn', 'fast-cnn', 'bn-cnn', 'mlp', 'resnet-mini'];

const stockKernels = new Set(tf.getKernelsForBackend('wasm').map((k) => k.kernelName));
const ours = new Set(wasmTrainingKernelNames());
if (args.includes('--stock')) {
  await tf.setBackend('wasm');
} else {
  await createWasmPlugin({ relaxedSimd: !args.includes('--plain') }).load({ threads: Number(flag('threads', 1)) });
}
void wasmModule;

function makeOptimizer() {
  if (optimizerName === 'adam') return tf.train.adam(1e-3);
  if (optimizerName === 'adamw') return tf.train.adam(1e-3); // AdamW = Adam + decoupled decay: same kernels plus Mul/Sub
  return tf.train.momentum(0.01, 0.9);
}

const zoo = args.includes('--zoo') ? await import('../../models/dist/index.js') : null;
for (const name of selected) {
  const [zooName, form] = name.split(':');
  const built = zoo ? zoo.createModel(zooName, { seed: 0 }) : models[name]();
  const model = form === 'folded' ? zoo.foldBatchNorm(built) : built;
  if (model !== built) built.dispose();
  const optimizer = makeOptimizer();
  const images = tf.randomNormal([batch, 28, 28, 1]);
  const labels = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32'), 10);
  // Warm-up: optimizer slots, XNNPACK operators, and the heap grown to its steady size (the first step
  // after growth pays page faults; docs/results.md, "Figures behind code choices").
  const step = infer ? () => tf.tidy(() => model.predict(images).dataSync()) : () => trainStep(tf, model, optimizer, images, labels);
  for (let warm = 0; warm < 3; warm++) step();
  const before = tf.memory().numTensors;
  const started = performance.now();
  const profile = await tf.profile(step);
  const wall = performance.now() - started;
  const fastest = profile.kernels.map((kernel) => (typeof kernel.kernelTimeMs === 'number' ? kernel.kernelTimeMs : 0));
  for (let again = 1; again < repeat; again++) {
    const next = await tf.profile(step);
    next.kernels.forEach((kernel, i) => {
      if (typeof kernel.kernelTimeMs === 'number' && kernel.name === profile.kernels[i]?.name) fastest[i] = Math.min(fastest[i], kernel.kernelTimeMs);
    });
  }
  profile.kernels.forEach((kernel, i) => { kernel.kernelTimeMs = fastest[i]; });
  const isScope = (name) => name.includes('__op') || tf.getKernel(name, tf.getBackend()) === undefined;
  const byKernel = new Map();
  for (const kernel of profile.kernels) {
    const ms = typeof kernel.kernelTimeMs === 'number' ? kernel.kernelTimeMs : 0;
    const entry = byKernel.get(kernel.name) ?? { ms: 0, calls: 0 };
    entry.ms += ms; entry.calls += 1;
    byKernel.set(kernel.name, entry);
  }
  const total = [...byKernel.entries()].filter(([k]) => !isScope(k)).reduce((s, [, e]) => s + e.ms, 0); // scopes wrap kernels: counted twice otherwise
  const missing = [...byKernel.keys()].filter((k) => !isScope(k) && !stockKernels.has(k));
  const calls = [...byKernel.entries()].filter(([k]) => !isScope(k)).reduce((s, [, e]) => s + e.calls, 0);
  // An unprofiled step: the wall time tfjs's engine (tape, dispatch, allocation) adds on top of kernels.
  let unprofiled = Infinity;
  for (let again = 0; again < repeat; again++) {
    const unprofiledStart = performance.now();
    step();
    unprofiled = Math.min(unprofiled, performance.now() - unprofiledStart);
  }
  console.log(`\n${name} batch ${batch} ${infer ? 'inference' : optimizerName}${repeat > 1 ? ` (fastest of ${repeat} steps per call)` : ''}: kernel time ${total.toFixed(1)} ms (profiled wall ${wall.toFixed(0)} ms, unprofiled step ${unprofiled.toFixed(0)} ms), ${calls} kernel calls of ${byKernel.size} kernels, leaked ${tf.memory().numTensors - before}`);
  console.log(`  missing on stock wasm: ${missing.join(', ') || '-'}`);
  for (const [kernel, { ms, calls }] of [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms)) {
    if (ms < total * 0.005 || kernel.includes('__op')) continue;
    const note = isScope(kernel) ? '  (scope: wraps kernels listed on their own)' : ours.has(kernel) ? '  (ours)' : '';
    console.log(`  ${kernel.padEnd(24)} ${ms.toFixed(1).padStart(8)} ms ${((100 * ms) / total).toFixed(1).padStart(5)}%  ${String(calls).padStart(4)} calls${note}`);
  }
  const detail = flag('calls', null); // --calls Multiply: each call of that kernel with its shapes
  if (detail) {
    const byShape = new Map();
    for (const kernel of profile.kernels.filter((k) => k.name === detail)) {
      const key = `${JSON.stringify(kernel.inputShapes)} → ${JSON.stringify(kernel.outputShapes)}`;
      const entry = byShape.get(key) ?? { ms: 0, calls: 0 };
      entry.ms += Number(kernel.kernelTimeMs); entry.calls += 1;
      byShape.set(key, entry);
    }
    for (const [key, { ms, calls }] of [...byShape.entries()].sort((a, b) => b[1].ms - a[1].ms)) {
      console.log(`    ${detail} ${key} ${ms.toFixed(2)} ms in ${calls} calls`);
    }
  }
  tf.dispose([images, labels]);
  model.dispose?.();
  optimizer.dispose();
}
