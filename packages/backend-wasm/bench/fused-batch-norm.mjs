// @digitlab-bench skip: a developer tool for kernel work; pnpm bench measures throughput through digitlab bench
// Whole training steps of a zoo model with our fused batch-norm kernels (DigitlabBatchNormMoments,
// DigitlabBatchNormGradient) registered and unregistered, interleaved in one process (the models
// package then falls back to tfjs-core's moments and its op-by-op gradient). Batch 64, SGD momentum,
// random data; prints the median step of each and the per-round ratios. Build packages first.
//   node packages/backend-wasm/bench/fused-batch-norm.mjs [model: resnet-mini] [threads: 1] [rounds: 8]
import './relaxed-simd.mjs'; // first: FMA kernels, as apps get them
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
const { createWasmPlugin } = await import('../dist/index.js');
const { createModel } = await import('../../models/dist/index.js');
const { trainStep } = await import('./models.mjs');
await createWasmPlugin({}).load({ threads: Number(process.argv[3] ?? 1) });
const name = process.argv[2] ?? 'resnet-mini';
const names = ['DigitlabBatchNormMoments', 'DigitlabBatchNormGradient'];
const configs = names.map((n) => tf.getKernel(n, 'wasm'));
const set = (on) => { for (let i = 0; i < 2; i++) { if (tf.getKernel(names[i], 'wasm')) tf.unregisterKernel(names[i], 'wasm'); if (on) tf.registerKernel(configs[i]); } };
const model = createModel(name, { seed: 0 });
const optimizer = tf.train.momentum(0.01, 0.9);
const images = tf.randomNormal([64, 28, 28, 1]);
const labels = tf.oneHot(tf.randomUniform([64], 0, 10, 'int32'), 10);
for (let i = 0; i < 3; i++) trainStep(tf, model, optimizer, images, labels);
const times = { on: [], off: [] };
const steps = name === 'resnet-mini' ? 3 : 6;
for (let round = 0; round < Number(process.argv[4] ?? 8); round++) {
  for (const mode of round % 2 ? ['on', 'off'] : ['off', 'on']) {
    set(mode === 'on');
    trainStep(tf, model, optimizer, images, labels);
    const t = performance.now();
    for (let i = 0; i < steps; i++) trainStep(tf, model, optimizer, images, labels);
    times[mode].push((performance.now() - t) / steps);
  }
}
const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
console.log(name, 'off', med(times.off).toFixed(1), 'on', med(times.on).toFixed(1), 'ratio', (med(times.off) / med(times.on)).toFixed(3), 'per-round', times.off.map((t, i) => (t / times.on[i]).toFixed(2)).join(' '));
