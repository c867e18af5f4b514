// @digitlab-bench skip: a developer tool for kernel work; pnpm bench measures throughput through digitlab bench
// Our 3×3 stride-1 convolutions by Winograd F(2×2, 3×3) against our direct kernels, batch 64, on the
// zoo's layer shapes, interleaved in one process (min wall ms of --reps): the forward convolution
// (conv2dChoice.winograd false / true; F(4×4, 3×3) beside F(2×2) through conv2dChoice.tile, and
// "fwd rule": the tile conv2d.ts picks), the input gradient ("dX rule off": the choice without
// Winograd; the direct kernel; the full convolution of a zero-padded dy on the Winograd forward; the
// Winograd adjoint on 2 × 2 and on 4 × 4 tiles of dy, forced by conv2dChoice.tile; "dX winograd":
// the rule) and the filter gradient (F(2×2, 3×3) and F(4×4, 3×3), by conv2dChoice.tile). `--kinds input`
// (forward, input, filter; comma-separated) runs only those variants, `--only dW` only the variants
// whose label starts so. Run after `npx tsc --build packages/backend-wasm`:
//   node packages/backend-wasm/bench/winograd.mjs [--threads 1] [--reps 7] [--kinds forward,input,filter] [--only dW] [--batch 64]
import './relaxed-simd.mjs'; // first: FMA kernels, as apps get them
import * as tf from '@tensorflow/tfjs-core';
import { createWasmPlugin } from '../dist/index.js';
import { conv2dChoice } from '../dist/kernels/conv2d.js';
import { backpropInputChoice } from '../dist/kernels/conv2d-backprop-input.js';

const args = process.argv.slice(2);
const flag = (name, fallback) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : fallback; };
const threads = Number(flag('threads', 1));
const reps = Number(flag('reps', 7));
const kinds = flag('kinds', 'forward,input,filter').split(',');
const loaded = await createWasmPlugin().load({ threads });
console.log(`wasm, ${threads} thread(s), FMA ${loaded.capabilities.relaxedSimd}, min wall ms of ${reps}`);
const B = Number(flag('batch', 64));
const shapes = [
  ['seed conv2', [B, 13, 13, 32], [3, 3, 32, 64], 'valid'],
  ['bn conv3', [B, 14, 14, 32], [3, 3, 32, 64], 'same'],
  ['res 28x16', [B, 28, 28, 16], [3, 3, 16, 16], 'same'],
  ['res 14x32', [B, 14, 14, 32], [3, 3, 32, 32], 'same'],
  ['res 7x64', [B, 7, 7, 64], [3, 3, 64, 64], 'same'],
  ['res 4x128', [B, 4, 4, 128], [3, 3, 128, 128], 'same'],
];
conv2dChoice.force = 'ours';
const variants = [
  ['fwd direct', 'forward', { winograd: false }],
  ['fwd winograd', 'forward', { winograd: true, tile: 2 }],
  ['fwd winograd4', 'forward', { winograd: true, tile: 4 }],
  ['fwd rule', 'forward', { winograd: true }],
  ['dX rule off', 'input', { winograd: false }],
  ['dX direct', 'input', { winograd: true, strategy: 'direct' }],
  ['dX full conv', 'input', { winograd: true, strategy: 'full-convolution' }],
  ['dX adjoint F2', 'input', { winograd: true, strategy: 'winograd', tile: 2 }],
  ['dX adjoint F4', 'input', { winograd: true, strategy: 'winograd', tile: 4 }],
  ['dX winograd', 'input', { winograd: true }],
  ['dW direct', 'filter', { winograd: false }],
  ['dW winograd', 'filter', { winograd: true, tile: 2 }],
  ['dW winograd4', 'filter', { winograd: true, tile: 4 }],
].filter(([label]) => label.startsWith(flag('only', '')));
for (const [name, xShape, wShape, pad] of shapes) {
  const x = tf.randomUniform(xShape);
  const w = tf.randomUniform(wShape);
  const dy = tf.tidy(() => tf.randomUniform(tf.conv2d(x, w, 1, pad).shape));
  const run = {
    forward: () => tf.conv2d(x, w, 1, pad),
    input: () => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { strides: [1, 1], pad, inputShape: xShape, dataFormat: 'NHWC' }),
    filter: () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: [1, 1], pad, filterShape: wShape, dataFormat: 'NHWC' }),
  };
  const best = {};
  for (let rep = 0; rep < reps; rep++) {
    for (const [label, kind, { winograd, strategy, tile }] of variants) {
      if (!kinds.includes(kind)) continue;
      conv2dChoice.winograd = winograd;
      conv2dChoice.tile = tile;
      backpropInputChoice.force = strategy;
      const start = performance.now();
      const result = run[kind]();
      result.dataSync();
      best[label] = Math.min(best[label] ?? Infinity, performance.now() - start);
      result.dispose();
    }
  }
  console.log(`${name.padEnd(11)} ${Object.entries(best).map(([label, ms]) => `${label} ${ms.toFixed(1)}`).join(' | ')}`);
  tf.dispose([x, w, dy]);
}
