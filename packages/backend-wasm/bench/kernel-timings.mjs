// @digitlab-bench skip: a developer tool for kernel work; pnpm bench measures throughput through digitlab bench
// Per-kernel micro timings at batch 64 on the zoo's layer shapes: min-of-N cpu time (robust to
// load) and wall time, and GFLOP/s for the convolution gradients. Builds of this package run side
// by side in one invocation (each thread count and build in its own child process: tfjs fixes
// the thread count per process), e.g. the committed HEAD compiled into .cache/head/dist:
//   node bench/kernel-timings.mjs [case,case...] [--dist dist,.cache/head/dist] [--threads 1,2] [--reps 7]
// A build "dist:plain" runs without FMA (relaxedSimd: false): --dist dist:plain,dist compares the two.
import { loadBuild } from './relaxed-simd.mjs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const flag = (name, fallback) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : fallback; };
const own = args[0] === '--child' ? args.slice(3) : args;
const only = own.find((a, i) => !a.startsWith('--') && !(i > 0 && own[i - 1].startsWith('--')));
const reps = Number(flag('reps', 7));
const B = 64;

// [name, kernel, input shape NHWC, filter HWIO, strides, pad]
const convShapes = [
  ['seed conv1', [B, 28, 28, 1], [3, 3, 1, 32], 1, 'valid'],
  ['seed conv2', [B, 13, 13, 32], [3, 3, 32, 64], 1, 'valid'],
  ['fast conv1', [B, 28, 28, 1], [5, 5, 1, 24], 1, 'valid'],
  ['fast conv2', [B, 12, 12, 24], [5, 5, 24, 32], 1, 'valid'],
  ['bn conv1', [B, 28, 28, 1], [3, 3, 1, 32], 1, 'same'],
  ['bn conv2 s2', [B, 28, 28, 32], [3, 3, 32, 32], 2, 'same'],
  ['bn conv3', [B, 14, 14, 32], [3, 3, 32, 64], 1, 'same'],
  ['bn conv4 s2', [B, 14, 14, 64], [3, 3, 64, 64], 2, 'same'],
  ['res stem', [B, 28, 28, 1], [3, 3, 1, 16], 1, 'same'],
  ['res 28x16', [B, 28, 28, 16], [3, 3, 16, 16], 1, 'same'],
  ['res 28x16 s2', [B, 28, 28, 16], [3, 3, 16, 32], 2, 'same'],
  ['res 14x32', [B, 14, 14, 32], [3, 3, 32, 32], 1, 'same'],
  ['res 14x32 s2', [B, 14, 14, 32], [3, 3, 32, 64], 2, 'same'],
  ['res 7x64', [B, 7, 7, 64], [3, 3, 64, 64], 1, 'same'],
  ['res 7x64 s2', [B, 7, 7, 64], [3, 3, 64, 128], 2, 'same'],
  ['res 4x128', [B, 4, 4, 128], [3, 3, 128, 128], 1, 'same'],
  ['res 1x1 s2 16->32', [B, 28, 28, 16], [1, 1, 16, 32], 2, 'same'],
];

if (args[0] === '--child') {
  await child(args[1], Number(args[2]));
} else {
  const dists = flag('dist', 'dist').split(',');
  const threadCounts = flag('threads', '1').split(',').map(Number);
  const results = new Map();
  for (const threads of threadCounts) for (const dist of dists) {
    const run = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', dist, String(threads), ...own], { encoding: 'utf8', timeout: 600_000 });
    if (run.status !== 0) { console.error(`${dist} threads=${threads}: exit ${run.status}\n${run.stderr}`); continue; }
    for (const line of run.stdout.trim().split('\n')) { const r = JSON.parse(line); results.set(`${r.name}|${threads}|${dist}`, r); }
  }
  const names = [...new Set([...results.values()].map((r) => r.name))];
  console.log(`${'case'.padEnd(34)}${threadCounts.flatMap((t) => dists.map((d) => `${d} T${t}`.padStart(30))).join('')}   (cpu ms / wall ms / GFLOP/s by wall)`);
  for (const name of names) {
    const cells = threadCounts.flatMap((t) => dists.map((d) => {
      const r = results.get(`${name}|${t}|${d}`);
      return (r ? `${r.cpu.toFixed(1)} / ${r.wall.toFixed(1)}${r.flop ? ` / ${(r.flop / r.wall / 1e6).toFixed(1)}` : ''}` : '-').padStart(30);
    }));
    console.log(name.padEnd(34) + cells.join(''));
  }
}

async function child(dist, threads) {
  const tf = await import('@tensorflow/tfjs-core');
  await loadBuild(dist, threads);
  const time = (name, fn, flop) => {
    for (let i = 0; i < 3; i++) tf.dispose(fn()); // warm-up: TurboFan tier-up, XNNPACK operators
    let cpu = Infinity, wall = Infinity;
    for (let i = 0; i < reps; i++) {
      const c = process.cpuUsage(); const w = performance.now();
      const out = fn();
      const elapsed = performance.now() - w; const used = process.cpuUsage(c); tf.dispose(out);
      cpu = Math.min(cpu, (used.user + used.system) / 1000); wall = Math.min(wall, elapsed);
    }
    console.log(JSON.stringify({ name, cpu, wall, flop }));
  };
  const cases = {};
  for (const [label, xShape, wShape, strides, pad] of convShapes) {
    const x = tf.randomNormal(xShape), w = tf.randomNormal(wShape);
    const y = tf.conv2d(x, w, strides, pad);
    const dy = tf.randomNormal(y.shape);
    const flop = 2 * y.size * wShape[0] * wShape[1] * wShape[2];
    const attrs = { strides, pad, dataFormat: 'NHWC' };
    cases[`${label} fwd`] = [() => tf.conv2d(x, w, strides, pad), flop];
    cases[`${label} dW`] = [() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: wShape }), flop];
    cases[`${label} dX`] = [() => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, inputShape: xShape }), flop];
  }
  const y1 = tf.randomNormal([B, 26, 26, 32]), p1 = tf.randomNormal([B, 13, 13, 32]), y2 = tf.randomNormal([B, 11, 11, 64]), dyPool2 = tf.randomNormal([B, 5, 5, 64]);
  const h = tf.randomNormal([B, 1600]), wd = tf.randomNormal([1600, 128]), dh = tf.randomNormal([B, 128]);
  const xr = tf.randomNormal([B, 28, 28, 16]), mr = tf.randomNormal([16]), vr = tf.randomUniform([16], 0.5, 2), or = tf.randomNormal([16]), sr = tf.randomNormal([16]);
  Object.assign(cases, {
    pool1: [() => tf.maxPool(y1, 2, 2, 'valid')],
    poolGrad1: [() => tf.engine().runKernel('MaxPoolGrad', { dy: p1, input: y1, output: p1 }, { filterSize: 2, strides: 2, pad: 'valid' })],
    poolGrad2: [() => tf.engine().runKernel('MaxPoolGrad', { dy: dyPool2, input: y2, output: null }, { filterSize: 2, strides: 2, pad: 'valid' })],
    sumBias1: [() => tf.sum(y1, [0, 1, 2])],
    denseFwd: [() => tf.matMul(h, wd)],
    denseDw: [() => tf.matMul(h, dh, true, false)],
    denseDx: [() => tf.matMul(dh, wd, false, true)],
    meanBn28: [() => tf.mean(xr, [0, 1, 2])],
    batchNorm28: [() => tf.batchNorm(xr, mr, vr, or, sr, 1e-3)],
    reluGrad1: [() => tf.mul(y1, tf.step(y1))],
  });
  const filters = only ? only.split(',') : undefined;
  for (const [name, [fn, flop]] of Object.entries(cases)) {
    if (filters && !filters.some((f) => name.includes(f))) continue;
    try { time(name, fn, flop); } catch (e) { console.error(name, 'ERR', e.message); }
  }
}
