// @digitlab-bench skip: a developer tool for thread work; pnpm bench measures throughput through digitlab bench
// Where the second thread's time goes in a training step, measured in ways a loaded machine
// distorts little: CPU time of every OS thread of the process over a few training steps (the main
// thread, XNNPACK's emscripten pthreads, our kernel pool's worker), the pieces each pool thread ran
// (the pool's counters), the pool's empty round trip (Atomics.notify → worker → Atomics.wait), the same
// piece on the caller and on the worker, memory-bound scaling, and whether idle pool threads keep spinning;
// per split kernel, the caller's time on its own pieces and waiting for the workers (`KernelPool.timings`).
// Linux only (/proc/self/task). Build first (`npx -y pnpm@10.34.8 exec turbo run build`), then e.g.
//   node bench/thread-diagnosis.mjs [--model resnet-mini] [--build dist|dist:xnn1|dist:nopool] [--threads 2] [--steps 3] [--spin µs]
// (--spin 0: the pool's threads sleep at once instead of polling, so that CPU times count work only)
import { loadBuild } from './relaxed-simd.mjs';
import { readdirSync, readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const flag = (name, fallback) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : fallback; };
const modelName = flag('model', 'resnet-mini');
const build = flag('build', 'dist');
const threads = Number(flag('threads', 2));
const steps = Number(flag('steps', 3));
const batch = Number(flag('batch', 64));

const tf = await import('@tensorflow/tfjs-core');
await import('@tensorflow/tfjs-layers');
const loaded = await loadBuild(build, threads);
const { simdKernelPool } = await import(new URL(`../${build.split(':')[0]}/internal/simd-kernels.js`, import.meta.url).href);
const { createModel } = await import('../../models/dist/index.js');
const { sgd } = await import('../../trainer/dist/index.js');
if (flag('spin', undefined) !== undefined) simdKernelPool(tf.backend()).spinMicroseconds = Number(flag('spin'));

const ticksPerMs = 100 / 1000; // USER_HZ = 100 on Linux
/** CPU ms (user + system) of every thread of this process, by thread id, with its name. */
function threadTimes() {
  const times = new Map();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const name = readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
      times.set(Number(tid), { name, ms: (Number(fields[11]) + Number(fields[12])) / ticksPerMs });
    } catch {
      // a thread that ended between the listing and the read
    }
  }
  return times;
}

/** Nanoseconds thread `tid` of this process has run on a CPU (/proc schedstat: exact, unlike the 10 ms ticks of stat). */
const onCpu = (tid) => Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
// --kernels: each wasm kernel wrapped to add up the main thread's on-CPU time inside it, so that the
// main thread's serial time (kernels not split, and tfjs's own JS between kernels) shows by name.
const perKernel = new Map();
if (args.includes('--kernels')) {
  for (const config of tf.getKernelsForBackend('wasm')) {
    const { kernelFunc } = config;
    tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel({
      ...config,
      kernelFunc: (kernelArgs) => {
        const start = onCpu(process.pid);
        try {
          return kernelFunc(kernelArgs);
        } finally {
          const entry = perKernel.get(config.kernelName) ?? { ns: 0, calls: 0 };
          entry.ns += onCpu(process.pid) - start;
          entry.calls += 1;
          perKernel.set(config.kernelName, entry);
        }
      },
    });
  }
}

const model = createModel(modelName, { seed: 0 });
// The step `digitlab bench` times: @digitlab/trainer's SGD with momentum (one DigitlabSgdMomentum call a variable).
const optimizer = sgd({ momentum: 0.9 });
const variables = model.trainableWeights.map((weight) => weight.read());
const images = tf.randomNormal([batch, 28, 28, 1]);
const labels = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32'), 10);
const trainStep = () =>
  tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, model.apply(images, { training: true })), variables);
    optimizer.applyGradients(variables, variables.map((variable) => grads[variable.name]), { learningRate: 0.01 });
    tf.dispose(value);
  });
for (let step = 0; step < 3; step++) trainStep();

perKernel.clear();
const mainBefore = onCpu(process.pid);
const pool = simdKernelPool(tf.backend());
const runsBefore = { ...pool?.runs };
const detachedBefore = { ...pool?.detachedRuns };
const timingsBefore = structuredClone(pool?.timings ?? {});
const piecesBefore = pool?.pieces ? [...pool.pieces] : undefined;
const before = threadTimes();
const cpuBefore = process.cpuUsage();
const started = performance.now();
for (let step = 0; step < steps; step++) trainStep();
const wall = (performance.now() - started) / steps;
const cpu = process.cpuUsage(cpuBefore);
const after = threadTimes();
const mainNs = onCpu(process.pid) - mainBefore;

console.log(`${modelName} batch ${batch}, ${build}, ${threads} threads (${JSON.stringify(loaded.capabilities)})`);
console.log(`  per step: wall ${wall.toFixed(0)} ms, process cpu ${((cpu.user + cpu.system) / 1000 / steps).toFixed(0)} ms`);
console.log('  CPU ms per step by OS thread (threads under 1 ms/step left out):');
for (const [tid, { name, ms }] of after) {
  const spent = (ms - (before.get(tid)?.ms ?? 0)) / steps;
  if (spent >= 1) console.log(`    ${String(tid).padStart(8)} ${name.padEnd(16)} ${spent.toFixed(0).padStart(6)} ms${tid === process.pid ? '  (main)' : ''}`);
}
if (perKernel.size > 0) {
  const kernelNs = [...perKernel.values()].reduce((sum, entry) => sum + entry.ns, 0);
  console.log(`  main thread on CPU per step: ${(mainNs / 1e6 / steps).toFixed(0)} ms, in kernels ${(kernelNs / 1e6 / steps).toFixed(0)} ms, between kernels (tfjs) ${((mainNs - kernelNs) / 1e6 / steps).toFixed(0)} ms; by kernel:`);
  for (const [name, { ns, calls }] of [...perKernel.entries()].sort((a, b) => b[1].ns - a[1].ns).slice(0, 16)) {
    console.log(`    ${name.padEnd(28)} ${(ns / 1e6 / steps).toFixed(1).padStart(7)} ms ${String(calls / steps).padStart(5)} calls`);
  }
}
if (pool) {
  const ran = Object.entries(pool.runs).map(([kernel, count]) => [kernel, (count - (runsBefore[kernel] ?? 0)) / steps]).filter(([, count]) => count > 0);
  console.log(`  split calls per step: ${ran.map(([kernel, count]) => `${kernel} ${count}`).join(', ') || 'none'}`);
  // Calls handed whole to the worker (inter-op: detached-calls.ts), beside the split ones.
  const detached = Object.entries(pool.detachedRuns).map(([kernel, count]) => [kernel, (count - (detachedBefore[kernel] ?? 0)) / steps]).filter(([, count]) => count > 0);
  console.log(`  detached calls per step: ${detached.map(([kernel, count]) => `${kernel} ${count}`).join(', ') || 'none'}`);
  if (piecesBefore) console.log(`  pieces per step by pool thread: ${pool.pieces.map((count, i) => (count - piecesBefore[i]) / steps).join(', ')}`);
  if (pool.timings) {
    // The calling thread's side of each split kernel (KernelPool.timings): its own pieces, then waiting at the barrier.
    const rows = Object.entries(pool.timings).map(([kernel, t]) => {
      const b = timingsBefore[kernel] ?? { ownMs: 0, waitMs: 0, woke: 0 };
      return [kernel, (t.ownMs - b.ownMs) / steps, (t.waitMs - b.waitMs) / steps, (t.woke - b.woke) / steps];
    }).filter(([, own]) => own > 0).sort((a, b) => b[2] - a[2]);
    const total = rows.reduce((sum, [, own, wait]) => [sum[0] + own, sum[1] + wait], [0, 0]);
    console.log(`  split calls per step, the caller's side: own pieces ${total[0].toFixed(1)} ms, waiting for the workers ${total[1].toFixed(1)} ms; by kernel (own / wait ms, calls that woke a worker):`);
    for (const [kernel, own, wait, woke] of rows) console.log(`    ${kernel.padEnd(28)} ${own.toFixed(2).padStart(7)} / ${wait.toFixed(2).padStart(6)} ms  ${woke.toFixed(1)} woke`);
  }
  // The pool's empty round trip: every worker woken with an empty piece and waited for.
  const empty = Array.from({ length: pool.threads }, () => [0, 0, 0, 0]);
  const rounds = 2000;
  const roundCpu = process.cpuUsage();
  const roundStart = performance.now();
  for (let i = 0; i < rounds; i++) pool.run('relu_gradient', empty);
  const roundWall = ((performance.now() - roundStart) * 1000) / rounds;
  const roundUsed = process.cpuUsage(roundCpu);
  console.log(`  empty pool round trip: ${roundWall.toFixed(1)} µs wall, ${((roundUsed.user + roundUsed.system) / rounds).toFixed(1)} µs cpu`);
  // The same piece on the caller and on the worker, interleaved (a worker still on Liftoff code, or
  // descheduled, shows as a ratio well above 1): relu_gradient over 4 M floats in place.
  const size = 1 << 22;
  const buffer = tf.ones([size]);
  const offset = tf.backend().dataIdMap.get(buffer.dataId).memoryOffset;
  const full = [offset, offset, offset, size];
  const none = [offset, offset, offset, 0];
  const onCaller = [];
  const onWorker = [];
  const onBoth = { small: [], large: [], smallWhole: [], largeWhole: [] };
  const halves = (floats) => [[offset, offset, offset, floats / 2], [offset + floats * 2, offset + floats * 2, offset + floats * 2, floats / 2]];
  for (let i = 0; i < 20; i++) {
    for (const [name, floats] of [['small', 1 << 18], ['large', size]]) {
      let begin = performance.now();
      pool.run('relu_gradient', halves(floats));
      onBoth[name].push(performance.now() - begin);
      begin = performance.now();
      pool.run('relu_gradient', [[offset, offset, offset, floats], none]);
      onBoth[`${name}Whole`].push(performance.now() - begin);
    }
    let start = performance.now();
    pool.run('relu_gradient', [full, none]);
    onCaller.push(performance.now() - start);
    start = performance.now();
    pool.run('relu_gradient', [none, full]);
    onWorker.push(performance.now() - start);
  }
  const min = (values) => Math.min(...values);
  console.log(`  one 4 M-float relu_gradient piece, min of 20: caller ${min(onCaller).toFixed(2)} ms, worker ${min(onWorker).toFixed(2)} ms`);
  // Memory-bound scaling: the same floats on the caller alone and halved over caller and worker.
  console.log(`  relu_gradient 256 K floats (1 MB, cache-sized): whole ${min(onBoth.smallWhole).toFixed(3)} ms, halved over 2 threads ${min(onBoth.small).toFixed(3)} ms; 4 M floats (16 MB): whole ${min(onBoth.largeWhole).toFixed(2)} ms, halved ${min(onBoth.large).toFixed(2)} ms`);
  buffer.dispose();
}
// Does a thread pool keep spinning once idle? One stock (XNNPACK) Relu, then 100 ms of main-thread sleep: the CPU
// the other threads burn meanwhile, 10 rounds.
{
  const x = tf.randomNormal([64, 28, 28, 16]);
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  const othersOnCpu = () => readdirSync('/proc/self/task').filter((tid) => Number(tid) !== process.pid).reduce((sum, tid) => sum + onCpu(tid), 0);
  const burned = [];
  for (let i = 0; i < 10; i++) {
    tf.tidy(() => tf.relu(x).dataSync());
    const before = othersOnCpu();
    Atomics.wait(sleeper, 0, 0, 100);
    burned.push((othersOnCpu() - before) / 1e6);
  }
  burned.sort((a, b) => a - b);
  console.log(`  other threads' CPU in 100 ms of main-thread sleep after one Relu: median ${burned[5].toFixed(1)} ms, range ${burned[0].toFixed(1)}-${burned[9].toFixed(1)} ms`);
  x.dispose();
}
console.log(`  load: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
tf.dispose([images, labels]);
