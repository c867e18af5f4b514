// @digitlab-bench skip: a developer tool for kernel work; pnpm bench measures throughput through digitlab bench
// The raw winograd_filter_gradient kernel (batch 64, one thread, random data over one memory) with
// several tile-block sizes interleaved, 15 rounds, min / median ms each. Blocks: numbers, "old" (512/(C+CO),
// at least 4) or "new" (N/(C+CO), N the second argument). `--tile 4`: winograd4_filter_gradient
// (F(4×4, 3×3): 36 positions), "old" then being its block (panels.ts WINOGRAD4_FILTER_GRADIENT_BLOCK).
//   node packages/backend-wasm/bench/winograd-filter-block.mjs [old,8,16,32] [N] [--tile 4]
import './relaxed-simd.mjs'; // first: FMA kernels, as apps get them
import * as tf from '@tensorflow/tfjs-core';
const { createWasmPlugin } = await import('../dist/index.js');
const { simdKernels } = await import('../dist/internal/simd-kernels.js');
const { WINOGRAD4_FILTER_GRADIENT_BLOCK } = await import('../dist/internal/panels.js');
const tileFlag = process.argv.indexOf('--tile');
const tile = tileFlag >= 0 ? Number(process.argv[tileFlag + 1]) : 2;
const positional = process.argv.slice(2).filter((_, i, all) => all[i] !== '--tile' && all[i - 1] !== '--tile');
const positions = (tile + 2) ** 2;
await createWasmPlugin({}).load({ threads: 1 });
const backend = tf.backend(); const k = simdKernels(backend); const m = backend.wasm;
const shapes = [[4, 128, 128], [7, 64, 64], [14, 32, 32], [28, 16, 16], [11, 32, 64]]; // output side, C, CO ('same'-like, padded input side = tile*ceil(o/tile)+2)
const blocks = (positional[0] ?? 'old,new').split(',');
const oldBlock = (C, CO) => tile === 4 ? WINOGRAD4_FILTER_GRADIENT_BLOCK : Math.max(4, Math.floor(512 / (C + CO)));
const blockOf = (name, C, CO) => name === 'old' ? oldBlock(C, CO) : name === 'new' ? Math.max(4, Math.floor(Number(positional[1] ?? 4096) / (C + CO))) : Number(name);
const kernel = tile === 4 ? k.winograd4_filter_gradient : k.winograd_filter_gradient;
const med = (a) => [...a].sort((p, q) => p - q)[a.length >> 1];
for (const [o, C, CO] of shapes) {
  const B = 64, P = tile * Math.ceil(o / tile) + 2;
  const alloc = (n) => { const p = m._malloc(n * 4); const v = new Float32Array(m.HEAPF32.buffer, p, n); for (let i = 0; i < n; i++) v[i] = Math.random() - 0.5; return p; };
  const xp = alloc(B * P * P * C), dy = alloc(B * o * o * CO);
  const maxBlock = Math.max(...blocks.map((b) => blockOf(b, C, CO)));
  const scratch = alloc(positions * C * CO + positions * maxBlock * (C + CO));
  const dws = blocks.map(() => alloc(9 * C * CO));
  const times = blocks.map(() => []);
  for (let r = 0; r < 15; r++) {
    const order = r % 2 ? blocks.map((_, i) => i) : blocks.map((_, i) => blocks.length - 1 - i);
    for (const i of order) {
      const t = performance.now();
      kernel(dws[i], xp, dy, scratch, B, P, P, C, o, o, CO, blockOf(blocks[i], C, CO));
      times[i].push(performance.now() - t);
    }
  }
  const ref = new Float32Array(m.HEAPF32.buffer, dws[0], 9 * C * CO);
  let diff = 0, scale = 0;
  for (let i = 1; i < blocks.length; i++) { const v = new Float32Array(m.HEAPF32.buffer, dws[i], 9 * C * CO); for (let j = 0; j < v.length; j++) { diff = Math.max(diff, Math.abs(v[j] - ref[j])); scale = Math.max(scale, Math.abs(ref[j])); } }
  console.log(`${o}x${o} ${C}->${CO}: ` + blocks.map((b, i) => `${b}(${blockOf(b, C, CO)}) ${Math.min(...times[i]).toFixed(2)}/${med(times[i]).toFixed(2)}`).join(' | ') + ` rel diff ${(diff / scale).toExponential(1)}`);
}
