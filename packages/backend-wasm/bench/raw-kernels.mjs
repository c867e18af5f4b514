// @digitlab-bench skip: a developer tool for kernel work; pnpm bench measures throughput through digitlab bench
// GFLOP/s of the SIMD module's convolution loops called directly (no tfjs: no padded copies, no
// allocation), one thread, batch 64, for two builds of this package over one memory and the same
// inputs, interleaved; also the largest relative difference between the builds' outputs. Builds
// older than the packed panels take no panel argument: the harness goes by each export's arity.
// 3 × 3 stride-1 layers with C % 4 = 0 and CO % 8 = 0 add the Winograd filter gradients (F(2×2), F(4×4); the
// GFLOP/s count the direct convolution's multiply-adds), the tile blocks of the second build's panels.
//   node bench/raw-kernels.mjs [--dist .cache/head/dist,dist] [--reps 5] [--plain]
import './relaxed-simd.mjs';

const args = process.argv.slice(2);
const flag = (name, fallback) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : fallback; };
const dists = flag('dist', '.cache/head/dist,dist').split(',');
const reps = Number(flag('reps', 5));
const variant = args.includes('--plain') ? 'plain' : 'relaxedPlain';
const memory = new WebAssembly.Memory({ initial: 2048 });
const builds = [];
for (const dist of dists) {
  const { simdKernelsBinary } = await import(new URL(`../${dist}/internal/simd-kernels-binary.js`, import.meta.url).href);
  const module = await WebAssembly.compile(Buffer.from(simdKernelsBinary[variant].base64, 'base64'));
  builds.push({ dist, kernels: (await WebAssembly.instantiate(module, { env: { memory } })).exports });
}
const f32 = new Float32Array(memory.buffer);
for (let i = 0; i < f32.length; i++) f32[i] = ((i * 7919) % 1000) / 1000 - 0.5;
const { winogradFilterGradientBlock, WINOGRAD4_FILTER_GRADIENT_BLOCK } = await import(new URL(`../${dists.at(-1)}/internal/panels.js`, import.meta.url).href);
const MB = 1 << 20;
const at = { x: 4 * MB, w: 20 * MB, wt: 21 * MB, dy: 22 * MB, out: [38 * MB, 54 * MB], panel: 70 * MB };
/** Calls `name` with a panel pointer inserted after `before` arguments when the export takes one. */
const call = (kernels, name, before, rest) => {
  const fn = kernels[name];
  return fn.length > rest.length ? fn(...rest.slice(0, before), at.panel, ...rest.slice(before)) : fn(...rest);
};
// [name, padded input side, C, K, CO, output side, stride]
const shapes = [
  ['seed conv1 28×28×1→32', 28, 1, 3, 32, 26, 1], ['seed conv2 13×13×32→64', 13, 32, 3, 64, 11, 1],
  ['fast conv2 12×12×24→32 k5', 12, 24, 5, 32, 8, 1], ['ResNet 28×28×16→16', 30, 16, 3, 16, 28, 1],
  ['ResNet 7×7×64→64', 9, 64, 3, 64, 7, 1], ['ResNet 4×4×128→128', 6, 128, 3, 128, 4, 1],
  ['ResNet 28×28×16→32 s2', 29, 16, 3, 32, 14, 2], ['ResNet 14×14×32→64 s2', 15, 32, 3, 64, 7, 2],
  ['ResNet 7×7×64→128 s2', 9, 64, 3, 128, 4, 2],
];
const B = 64;
console.log(`GFLOP/s, one thread, batch 64 (${dists.join(' → ')}; max relative difference of the outputs)`);
for (const [label, H, C, K, CO, O, S] of shapes) {
  const depth = K * K * C;
  const paddedDepth = (depth + 7) & ~7;
  const flop = 2 * B * O * O * CO * depth;
  builds[0].kernels.transpose_filter(at.wt, at.w, depth, CO, paddedDepth);
  const cases = {
    forward: [(k, out) => call(k, 'conv2d_forward', 3, [out, at.x, at.w, B, H, H, C, K, K, O, O, CO, S, S]), B * O * O * CO],
    'input gradient': [(k, out) => call(k, 'conv2d_backprop_input', 3, [out, at.dy, at.wt, B, H, H, C, K, K, O, O, CO, S, S]), B * H * H * C],
    'filter gradient': [(k, out) => k.conv2d_backprop_filter(out, at.x, at.dy, B, H, H, C, K, K, O, O, CO, S, S), depth * CO],
  };
  if (S === 1 && K === 3 && C % 4 === 0 && CO % 8 === 0) {
    const block = winogradFilterGradientBlock(C, CO);
    cases['F(2×2) dW'] = [(k, out) => k.winograd_filter_gradient(out, at.x, at.dy, at.panel, B, H, H, C, O, O, CO, block), depth * CO];
    cases['F(4×4) dW'] = [(k, out) => k.winograd4_filter_gradient(out, at.x, at.dy, at.panel, B, H, H, C, O, O, CO, WINOGRAD4_FILTER_GRADIENT_BLOCK), depth * CO];
  }
  const cells = [];
  for (const [kernel, [run, size]] of Object.entries(cases)) {
    const best = builds.map(() => Infinity);
    for (let rep = 0; rep <= reps; rep++) {
      builds.forEach(({ kernels }, index) => {
        const start = performance.now();
        run(kernels, at.out[index % 2]);
        if (rep > 0) best[index] = Math.min(best[index], performance.now() - start);
      });
    }
    let scale = 0;
    let error = 0;
    for (let i = 0; i < size; i++) {
      scale = Math.max(scale, Math.abs(f32[at.out[0] / 4 + i]));
      error = Math.max(error, Math.abs(f32[at.out[0] / 4 + i] - f32[at.out[1] / 4 + i]));
    }
    cells.push(`${kernel} ${best.map((ms) => (flop / ms / 1e6).toFixed(1)).join(' → ')} (${(error / scale).toExponential(0)})`);
  }
  console.log(`${label.padEnd(28)} ${cells.join('   ')}`);
}
