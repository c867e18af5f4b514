// @digitlab-bench skip: a developer tool for kernel work; pnpm bench measures throughput through digitlab bench
// The raw winograd_filter_gradient kernel (batch 64, one thread, random data over one memory) with
// several tile-block sizes interleaved, 15 rounds, median ms each. Blocks: numbers, "old" (512/(C+CO),
// at least 4) or "new" (N/(C+CO), N the second argument).
//   node packages/backend-wasm/bench/winograd-filter-block.mjs [old,8,16,32] [N]
import './relaxed-simd.mjs'; // first: FMA kernels, as apps get them
import * as tf from '@tensorflow/tfjs-core';
const { createWasmPlugin } = await import('../dist/index.js');
const { simdKernels } = await import('../dist/internal/simd-kernels.js');
await createWasmPlugin({}).load({ threads: 1 });
const backend = tf.backend(); const k = simdKernels(backend); const m = backend.wasm;
const shapes = [[4, 128, 128], [7, 64, 64], [14, 32, 32], [28, 16, 16], [11, 32, 64]]; // output side, C, CO ('same'-like, padded input side = 2*ceil(o/2)+2)
const blocks = (process.argv[2] ?? 'old,new').split(',');
const blockOf = (name, C, CO) => name === 'old' ? Math.max(4, Math.floor(512 / (C + CO))) : name === 'new' ? Math.max(4, Math.floor(Number(process.argv[3] ?? 4096) / (C + CO))) : Number(name);
const med = (a) => [...a].sort((p, q) => p - q)[a.length >> 1];
for (const [o, C, CO] of shapes) {
  const B = 64, P = 2 * Math.ceil(o / 2) + 2;
  const alloc = (n) => { const p = m._malloc(n * 4); const v = new Float32Array(m.HEAPF32.buffer, p, n); for (let i = 0; i < n; i++) v[i] = Math.random() - 0.5; return p; };
  const xp = alloc(B * P * P * C), dy = alloc(B * o * o * CO);
  const maxBlock = Math.max(...blocks.map((b) => blockOf(b, C, CO)));
  const scratch = alloc(16 * C * CO + 16 * maxBlock * (C + CO));
  const dws = blocks.map(() => alloc(9 * C * CO));
  const times = blocks.map(() => []);
  for (let r = 0; r < 15; r++) {
    const order = r % 2 ? blocks.map((_, i) => i) : blocks.map((_, i) => blocks.length - 1 - i);
    for (const i of order) {
      const t = performance.now();
      k.winograd_filter_gradient(dws[i], xp, dy, scratch, B, P, P, C, o, o, CO, blockOf(blocks[i], C, CO));
      times[i].push(performance.now() - t);
    }
  }
  const ref = new Float32Array(m.HEAPF32.buffer, dws[0], 9 * C * CO);
  let diff = 0, scale = 0;
  for (let i = 1; i < blocks.length; i++) { const v = new Float32Array(m.HEAPF32.buffer, dws[i], 9 * C * CO); for (let j = 0; j < v.length; j++) { diff = Math.max(diff, Math.abs(v[j] - ref[j])); scale = Math.max(scale, Math.abs(ref[j])); } }
  console.log(`${o}x${o} ${C}->${CO}: ` + blocks.map((b, i) => `${b}(${blockOf(b, C, CO)}) ${med(times[i]).toFixed(2)}`).join(' | ') + ` rel diff ${(diff / scale).toExponential(1)}`);
}
