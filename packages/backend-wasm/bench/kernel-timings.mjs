// @digitlab-bench skip: a developer tool for kernel work; pnpm bench measures throughput through digitlab bench
// per-kernel micro timings, seed CNN shapes, cpu time (robust to load) + wall
import * as tf from '@tensorflow/tfjs-core';
import { createWasmPlugin } from '../dist/index.js';
await createWasmPlugin().load({ threads: Number(process.env.T ?? 1) });
const B = 64;
function time(name, fn, reps = 7) {
  fn(); let bestCpu = Infinity, bestWall = Infinity;
  for (let i = 0; i < reps; i++) {
    const c = process.cpuUsage(); const w = performance.now();
    const out = fn();
    const wall = performance.now() - w; const cu = process.cpuUsage(c); tf.dispose(out);
    bestCpu = Math.min(bestCpu, (cu.user + cu.system) / 1000); bestWall = Math.min(bestWall, wall);
  }
  console.log(`${name.padEnd(40)} cpu ${bestCpu.toFixed(2).padStart(7)} ms  wall ${bestWall.toFixed(2).padStart(7)} ms`);
}
const x1 = tf.randomNormal([B, 28, 28, 1]), w1 = tf.randomNormal([3, 3, 1, 32]);
const y1 = tf.randomNormal([B, 26, 26, 32]);
const p1 = tf.randomNormal([B, 13, 13, 32]), w2 = tf.randomNormal([3, 3, 32, 64]);
const y2 = tf.randomNormal([B, 11, 11, 64]);
const dyPool2 = tf.randomNormal([B, 5, 5, 64]);
const h = tf.randomNormal([B, 1600]), wd = tf.randomNormal([1600, 128]), dh = tf.randomNormal([B, 128]);
const xr = tf.randomNormal([B, 28, 28, 16]), mr = tf.randomNormal([16]), vr = tf.randomUniform([16], 0.5, 2), or = tf.randomNormal([16]), sr = tf.randomNormal([16]);
const only = process.argv[2];
const cases = {
  conv1: () => tf.conv2d(x1, w1, 1, 'valid'),
  conv2: () => tf.conv2d(p1, w2, 1, 'valid'),
  dW1: () => tf.engine().runKernel('Conv2DBackpropFilter', { x: x1, dy: y1 }, { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [3, 3, 1, 32] }),
  dW2: () => tf.engine().runKernel('Conv2DBackpropFilter', { x: p1, dy: y2 }, { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [3, 3, 32, 64] }),
  dX2: () => tf.engine().runKernel('Conv2DBackpropInput', { dy: y2, filter: w2 }, { strides: 1, pad: 'valid', dataFormat: 'NHWC', inputShape: [B, 13, 13, 32] }),
  pool1: () => tf.maxPool(y1, 2, 2, 'valid'),
  poolGrad1: () => tf.engine().runKernel('MaxPoolGrad', { dy: p1, input: y1, output: p1 }, { filterSize: 2, strides: 2, pad: 'valid' }),
  poolGrad2: () => tf.engine().runKernel('MaxPoolGrad', { dy: dyPool2, input: y2, output: null }, { filterSize: 2, strides: 2, pad: 'valid' }),
  sumBias1: () => tf.sum(y1, [0, 1, 2]),
  sumBias2: () => tf.sum(y2, [0, 1, 2]),
  denseFwd: () => tf.matMul(h, wd),
  denseDw: () => tf.matMul(h, dh, true, false),
  denseDx: () => tf.matMul(dh, wd, false, true),
  meanBn28: () => tf.mean(xr, [0, 1, 2]),
  batchNorm28: () => tf.batchNorm(xr, mr, vr, or, sr, 1e-3),
  mul1: () => tf.mul(y1, y1),
  step1: () => tf.step(y1),
};
for (const [k, f] of Object.entries(cases)) { if (only && !only.split(',').includes(k)) continue; try { time(k, f); } catch (e) { console.log(k, 'ERR', e.message); } }
