import * as tf from '@tensorflow/tfjs-core';
import { createWasmPlugin } from '../dist/index.js';
await createWasmPlugin().load({ threads: 1 });
function time(name, fn, reps = 5) {
  fn(); let best = Infinity;
  for (let i = 0; i < reps; i++) { const c = process.cpuUsage(); const out = fn(); const u = process.cpuUsage(c); tf.dispose(out); best = Math.min(best, (u.user + u.system) / 1000); }
  console.log(`${name.padEnd(30)} cpu ${best.toFixed(2).padStart(7)} ms`);
}
for (const [hw, c] of [[28, 16], [14, 32], [7, 64], [4, 128]]) {
  const x = tf.randomNormal([64, hw, hw, c]), w = tf.randomNormal([3, 3, c, c]), dy = tf.randomNormal([64, hw, hw, c]);
  const gf = 64 * hw * hw * c * c * 9 * 2 / 1e6;
  time(`conv ${hw}x${hw}x${c} (${gf.toFixed(0)} MF)`, () => tf.conv2d(x, w, 1, 'same'));
  time(`dW`, () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, c, c] }));
  time(`dX`, () => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape: [64, hw, hw, c] }));
  time(`transpose x`, () => tf.transpose(x, [3, 1, 2, 0]));
}
