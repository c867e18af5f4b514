// @digitlab-bench skip: a developer tool for kernel work; pnpm bench measures throughput through digitlab bench
// Rounding of the Winograd filter gradients at training size: Conv2DBackpropFilter by F(2×2, 3×3) and
// F(4×4, 3×3) (conv2dChoice.tile) and by the direct kernel against the direct sum in float64, on the
// zoo's Winograd layers, batch 64, as the max-norm relative error of src/tolerances.ts (the unit
// tests compare with the cpu backend at batch 1-3; the cpu backend takes minutes at batch 64).
// Inputs: uniform [-1, 1), and post-ReLU (half of x exactly 0, as a layer's input after a ReLU).
// Run after `npx tsc --build packages/backend-wasm`:
//   node packages/backend-wasm/bench/winograd-filter-gradient-error.mjs
import './relaxed-simd.mjs'; // first: FMA kernels, as apps get them
import * as tf from '@tensorflow/tfjs-core';
import { createWasmPlugin } from '../dist/index.js';
import { conv2dChoice } from '../dist/kernels/conv2d.js';
import { relativeError } from '../dist/tolerances.js';

await createWasmPlugin().load({ threads: 1 });
const B = 64;
const shapes = [
  ['seed conv2', [B, 13, 13, 32], 64, 'valid'],
  ['bn conv3', [B, 14, 14, 32], 64, 'same'],
  ['res 28x16', [B, 28, 28, 16], 16, 'same'],
  ['res 14x32', [B, 14, 14, 32], 32, 'same'],
  ['res 7x64', [B, 7, 7, 64], 64, 'same'],
  ['res 4x128', [B, 4, 4, 128], 128, 'same'],
];
/** dw[kh, kw, c, co] = Σ x[n, oh + kh − top, ow + kw − left, c] · dy[n, oh, ow, co] in float64. */
const exact = (x, dy, pad) => {
  const [N, H, W, C] = x.shape, [, OH, OW, CO] = dy.shape;
  const top = pad === 'same' ? 1 : 0, left = top;
  const dw = new Float64Array(9 * C * CO);
  for (let n = 0; n < N; n++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
    const g = ((n * OH + oh) * OW + ow) * CO;
    for (let kh = 0; kh < 3; kh++) for (let kw = 0; kw < 3; kw++) {
      const ih = oh + kh - top, iw = ow + kw - left;
      if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
      const xo = ((n * H + ih) * W + iw) * C, wo = (kh * 3 + kw) * C * CO;
      for (let c = 0; c < C; c++) {
        const xv = x.values[xo + c];
        if (xv === 0) continue;
        for (let co = 0; co < CO; co++) dw[wo + c * CO + co] += xv * dy.values[g + co];
      }
    }
  }
  return dw;
};
const gradient = (x, dy, filterShape, pad) => {
  const [xt, dyt] = [tf.tensor(x.values, x.shape), tf.tensor(dy.values, dy.shape)];
  const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x: xt, dy: dyt }, { strides: [1, 1], pad, filterShape, dataFormat: 'NHWC' });
  const values = dw.dataSync().slice();
  tf.dispose([xt, dyt, dw]);
  return values;
};
for (const [name, xShape, outChannels, pad] of shapes) {
  const filterShape = [3, 3, xShape[3], outChannels];
  const dyShape = tf.tidy(() => tf.conv2d(tf.zeros(xShape), tf.zeros(filterShape), 1, pad).shape);
  const row = [];
  for (const input of ['uniform', 'relu']) {
    const x = { values: tf.tidy(() => { const u = tf.randomUniform(xShape, -1, 1, 'float32', 1); return (input === 'relu' ? tf.relu(u) : u).dataSync(); }), shape: xShape };
    const dy = { values: tf.tidy(() => tf.randomUniform(dyShape, -1, 1, 'float32', 2).dataSync()), shape: dyShape };
    const reference = exact(x, dy, pad);
    for (const [label, winograd, tile] of [['direct', false], ['F(2×2)', true, 2], ['F(4×4)', true, 4]]) {
      Object.assign(conv2dChoice, { winograd, tile });
      row.push(`${input} ${label} ${relativeError(gradient(x, dy, filterShape, pad), reference).toExponential(1)}`);
    }
    delete conv2dChoice.tile;
    delete conv2dChoice.winograd;
  }
  console.log(`${name.padEnd(11)} ${row.join(' | ')}`);
}
