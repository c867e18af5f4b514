// @digitlab-bench skip: a developer tool for kernel work; pnpm bench measures throughput through digitlab bench
// Lists kernels by time for one training step of each zoo model on wasm (our kernels registered),
// and the kernels stock tfjs-backend-wasm 4.22 lacks. Run after `npx tsc --build packages/backend-wasm`:
//   node packages/backend-wasm/bench/profile.mjs [model ...] [--batch 64] [--optimizer sgdm|adam|adamw] [--stock] [--plain (no FMA)] [--calls KERNEL] [--zoo]
// --zoo profiles @digitlab/models' own builds (what `digitlab bench` and `train` run: its closed-form
// batch-norm gradient, dropout, seeded initialisers; build packages/models first) instead of bench/models.mjs.
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
const optimizerName = flag('optimizer', 'sgdm');
const names = args.filter((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--') && !['--stock', '--plain', '--zoo'].includes(args[i - 1])));
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
  const model = zoo ? zoo.createModel(name, { seed: 0 }) : models[name]();
  const optimizer = makeOptimizer();
  const images = tf.randomNormal([batch, 28, 28, 1]);
  const labels = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32'), 10);
  // Warm-up: optimizer slots, XNNPACK operators, and the heap grown to its steady size (the first step
  // after growth pays page faults; docs/results.md, "Figures behind code choices").
  for (let step = 0; step < 3; step++) trainStep(tf, model, optimizer, images, labels);
  const before = tf.memory().numTensors;
  const started = performance.now();
  const profile = await tf.profile(() => trainStep(tf, model, optimizer, images, labels));
  const wall = performance.now() - started;
  const byKernel = new Map();
  for (const kernel of profile.kernels) {
    const ms = typeof kernel.kernelTimeMs === 'number' ? kernel.kernelTimeMs : 0;
    const entry = byKernel.get(kernel.name) ?? { ms: 0, calls: 0 };
    entry.ms += ms; entry.calls += 1;
    byKernel.set(kernel.name, entry);
  }
  const total = [...byKernel.entries()].filter(([k]) => !k.includes('__op')).reduce((s, [, e]) => s + e.ms, 0); // '__op' entries are op scopes around kernels: counted twice otherwise
  const missing = [...byKernel.keys()].filter((k) => !k.includes('__op') && !stockKernels.has(k));
  const calls = [...byKernel.entries()].filter(([k]) => !k.includes('__op')).reduce((s, [, e]) => s + e.calls, 0);
  // An unprofiled step: the wall time tfjs's engine (tape, dispatch, allocation) adds on top of kernels.
  const unprofiledStart = performance.now();
  trainStep(tf, model, optimizer, images, labels);
  const unprofiled = performance.now() - unprofiledStart;
  console.log(`\n${name} batch ${batch} ${optimizerName}: kernel time ${total.toFixed(1)} ms (profiled wall ${wall.toFixed(0)} ms, unprofiled step ${unprofiled.toFixed(0)} ms), ${calls} kernel calls of ${byKernel.size} kernels, leaked ${tf.memory().numTensors - before}`);
  console.log(`  missing on stock wasm: ${missing.join(', ') || '-'}`);
  for (const [kernel, { ms, calls }] of [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms)) {
    if (ms < total * 0.005 || kernel.includes('__op')) continue;
    console.log(`  ${kernel.padEnd(24)} ${ms.toFixed(1).padStart(8)} ms ${((100 * ms) / total).toFixed(1).padStart(5)}%  ${String(calls).padStart(4)} calls${ours.has(kernel) ? '  (ours)' : ''}`);
  }
  const detail = flag('calls', null); // --calls Multiply: each call of that kernel with its shapes
  if (detail) {
    for (const kernel of profile.kernels.filter((k) => k.name === detail)) {
      console.log(`    ${detail} ${JSON.stringify(kernel.inputShapes)} → ${JSON.stringify(kernel.outputShapes)} ${Number(kernel.kernelTimeMs).toFixed(2)} ms`);
    }
  }
  tf.dispose([images, labels]);
  model.dispose?.();
  optimizer.dispose();
}
