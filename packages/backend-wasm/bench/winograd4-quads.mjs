// @digitlab-bench skip: a developer tool for kernel work; pnpm bench measures throughput through digitlab bench
// The raw forward Winograd kernels on the zoo's 3×3 layers (batch 64, one thread, random data over one
// memory): winograd4_conv3x3 at several group sizes (`quads`, panels.ts WINOGRAD4_QUADS) beside
// winograd_conv3x3 at WINOGRAD_QUADS, interleaved, min ms of --reps. Filter transforms and padding are
// outside the timings (both kernels get a padded input and a transformed filter).
//   node packages/backend-wasm/bench/winograd4-quads.mjs [--quads 1,2,4,8] [--reps 9] [--shapes zoo|edges]
import './relaxed-simd.mjs'; // first: FMA kernels, as apps get them
import * as tf from '@tensorflow/tfjs-core';
const { createWasmPlugin } = await import('../dist/index.js');
const { simdKernels } = await import('../dist/internal/simd-kernels.js');
const { WINOGRAD_QUADS, winogradPanelFloats, winograd4PanelFloats } = await import('../dist/internal/panels.js');

const args = process.argv.slice(2);
const flag = (name, fallback) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : fallback; };
const quadsList = flag('quads', '1,2,4,8').split(',').map(Number);
const reps = Number(flag('reps', 9));
await createWasmPlugin({}).load({ threads: 1 });
const backend = tf.backend();
const k = simdKernels(backend);
const m = backend.wasm;
const B = 64;
// [name, output side, C, CO]: the zoo's layers, then sides whose F(4×4) products are 0.56-1.0x F(2×2)'s
// (36·⌈O/4⌉² against 16·⌈O/2⌉²; conv2d.ts `forwardWinogradTile`) and narrow layers.
const zoo = [['seed conv2', 11, 32, 64], ['bn conv3', 14, 32, 64], ['res 28x16', 28, 16, 16], ['res 14x32', 14, 32, 32], ['res 7x64', 7, 64, 64], ['res 4x128', 4, 128, 128]];
const edges = [['side 5', 5, 32, 32], ['side 6', 6, 32, 32], ['side 9', 9, 32, 32], ['side 10', 10, 32, 32], ['side 13', 13, 32, 32], ['28 8→8', 28, 8, 8], ['28 16→16', 28, 16, 16], ['28 8→16', 28, 8, 16], ['28 8→64', 28, 8, 64], ['28 64→8', 28, 64, 8]];
const shapes = flag('shapes', 'zoo') === 'edges' ? edges : zoo;
const alloc = (n) => {
  const p = m._malloc(n * 4);
  const v = new Float32Array(m.HEAPF32.buffer, p, n);
  for (let i = 0; i < n; i++) v[i] = Math.random() - 0.5;
  return p;
};
console.log(`wasm, 1 thread, batch ${B}, min ms of ${reps}; F(2×2) at ${WINOGRAD_QUADS} quads`);
for (const [name, o, C, CO] of shapes) {
  const P2 = 2 * Math.ceil(o / 2) + 2, P4 = 4 * Math.ceil(o / 4) + 2;
  const xp2 = alloc(B * P2 * P2 * C), xp4 = alloc(B * P4 * P4 * C);
  const u2 = alloc(16 * C * CO), u4 = alloc(36 * C * CO);
  const out = alloc(B * o * o * CO);
  const panel = alloc(Math.max(winogradPanelFloats(C, WINOGRAD_QUADS), ...quadsList.map((q) => winograd4PanelFloats(C, q))));
  const variants = [
    ['F2', () => k.winograd_conv3x3(out, xp2, u2, panel, B, P2, P2, C, o, o, CO, WINOGRAD_QUADS)],
    ...quadsList.map((q) => [`F4 q${q}`, () => k.winograd4_conv3x3(out, xp4, u4, panel, B, P4, P4, C, o, o, CO, q)]),
  ];
  const best = variants.map(() => Infinity);
  for (let r = 0; r < reps; r++) {
    const order = r % 2 ? variants.map((_, i) => i) : variants.map((_, i) => variants.length - 1 - i);
    for (const i of order) {
      const t = performance.now();
      variants[i][1]();
      best[i] = Math.min(best[i], performance.now() - t);
    }
  }
  console.log(`${name.padEnd(11)} ${o}x${o} ${C}->${CO}: ${variants.map(([label], i) => `${label} ${best[i].toFixed(2)}`).join(' | ')}`);
  for (const p of [xp2, xp4, u2, u4, out, panel]) m._free(p);
}
