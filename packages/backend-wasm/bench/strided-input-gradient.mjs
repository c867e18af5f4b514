// @digitlab-bench skip: a developer tool for kernel work; pnpm bench measures throughput through digitlab bench
// Conv2DBackpropInput of the zoo's stride-2 layers (batch 64) by the direct kernel and by phases
// (one stride-1 convolution per phase of dx), interleaved in one process, 16 rounds: min and median
// ms of each, the median of the per-round ratios, and the largest relative difference of the outputs.
//   node packages/backend-wasm/bench/strided-input-gradient.mjs [threads: 1]
import './relaxed-simd.mjs'; // first: FMA kernels, as apps get them
import * as tf from '@tensorflow/tfjs-core';
const { createWasmPlugin } = await import('../dist/index.js');
const { backpropInputChoice } = await import('../dist/kernels/conv2d-backprop-input.js');
await createWasmPlugin({}).load({ threads: Number(process.argv[2] ?? 1) });
const shapes = [[[64, 24, 24, 32], [5, 5, 32, 32], 2, 'same'], [[64, 8, 8, 64], [5, 5, 64, 64], 2, 'same'], [[64, 28, 28, 16], [3, 3, 16, 32], 2, 'same'], [[64, 14, 14, 32], [3, 3, 32, 64], 2, 'same'], [[64, 7, 7, 64], [3, 3, 64, 128], 2, 'same'], [[64, 28, 28, 16], [1, 1, 16, 32], 2, 'same'], [[64, 7, 7, 64], [1, 1, 64, 128], 2, 'same'], [[64, 28, 28, 32], [3, 3, 32, 32], 2, 'same']];
const strategies = ['direct', 'phases'];
const med = (a) => [...a].sort((p, q) => p - q)[a.length >> 1];
for (const [xs, ws, s, pad] of shapes) {
  const x = tf.randomNormal(xs), w = tf.randomNormal(ws);
  const y = tf.conv2d(x, w, s, pad); const dy = tf.randomNormal(y.shape);
  const attrs = { strides: s, pad, dataFormat: 'NHWC', inputShape: xs };
  const times = { direct: [], phases: [] }; const outs = {};
  for (let r = 0; r < 16; r++) for (const k of (r % 2 ? strategies : [...strategies].reverse())) {
    backpropInputChoice.force = k;
    const t = performance.now(); const o = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, attrs); times[k].push(performance.now() - t);
    if (r === 15) outs[k] = o; else o.dispose();
  }
  const diff = tf.max(tf.abs(tf.sub(outs.direct, outs.phases))).dataSync()[0] / tf.max(tf.abs(outs.direct)).dataSync()[0];
  const ratios = times.direct.map((d, i) => d / times.phases[i]);
  console.log(`${xs.join('x')} k${ws[0]} s${s} -> ${ws[3]}: direct min ${Math.min(...times.direct).toFixed(1)} med ${med(times.direct).toFixed(1)} | phases min ${Math.min(...times.phases).toFixed(1)} med ${med(times.phases).toFixed(1)} | median ratio ${med(ratios).toFixed(2)} (diff ${diff.toExponential(1)})`);
}
