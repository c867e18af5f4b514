// @digitlab-bench skip: a developer tool for thread work; pnpm bench measures throughput through digitlab bench
// A/B of the kernel pool's settings in one process, interleaved round by round so that a shared
// machine's load falls on every setting alike: median wall ms of a training step (batch 64 by
// default) and of an inference batch: the defaults; the pool's polling off (`spinMicroseconds` 0)
// or at 1 ms; one piece a thread for the convolutions (`poolBalance.piecesPerThread` 1: no
// claiming of another thread's pieces); the memory-bound passes and copies whole on the caller up
// to 4 MB a thread (`poolThresholds.floats` 1 M); the last three together (the pool as it was
// before issue #22's third pass); a memory-bound pass that finds the worker asleep split all the
// same, waking it (`poolThresholds.wakeFloats` as `floats`). Also prints the caller's mean wait for the workers
// a step (`KernelPool.timings`) and how many calls found a worker late (kernel-pool.ts).
// Build first (`npx -y pnpm@10.34.8 exec turbo run build`), then e.g.
//   node bench/pool-settings.mjs [--model resnet-mini] [--threads 2] [--batch 64] [--rounds 5] [--steps 5]
import { loadBuild } from './relaxed-simd.mjs';

const args = process.argv.slice(2);
const flag = (name, fallback) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : fallback; };
const modelName = flag('model', 'resnet-mini');
const threads = Number(flag('threads', 2));
const batch = Number(flag('batch', 64));
const rounds = Number(flag('rounds', 5));
const steps = Number(flag('steps', 5));

const tf = await import('@tensorflow/tfjs-core');
await import('@tensorflow/tfjs-layers');
const { trainStep } = await import('./models.mjs');
await loadBuild('dist', threads);
const { simdKernelPool } = await import('../dist/internal/simd-kernels.js');
const { poolBalance, poolThresholds } = await import('../dist/internal/kernel-pool.js');
const { createModel } = await import('../../models/dist/index.js');
const pool = simdKernelPool(tf.backend());
if (!pool) throw new Error(`no kernel pool runs at --threads ${threads}: give 2 or more`);

const defaults = { spin: pool.spinMicroseconds, floats: poolThresholds.floats, wakeFloats: poolThresholds.wakeFloats, piecesPerThread: poolBalance.piecesPerThread };
/** Applies one setting: polling on (its default budget or another) or off, convolution pieces claimed or one a thread, memory-bound passes split or whole. */
const setting = ({ polling = true, pollMicroseconds = defaults.spin, claiming = true, splitPasses = true, passesWake = false }) => () => {
  pool.spinMicroseconds = polling ? pollMicroseconds : 0;
  poolBalance.piecesPerThread = claiming ? defaults.piecesPerThread : 1;
  poolThresholds.floats = splitPasses ? defaults.floats : 1 << 20;
  poolThresholds.wakeFloats = passesWake ? poolThresholds.floats : defaults.wakeFloats;
};
const settings = {
  'default': setting({}),
  'no polling': setting({ polling: false }),
  'polling 1 ms': setting({ pollMicroseconds: 1000 }),
  'one piece a thread': setting({ claiming: false }),
  'passes whole to 4 MB': setting({ splitPasses: false }),
  'before (all three)': setting({ pollMicroseconds: 1000, claiming: false, splitPasses: false }),
  'passes wake the worker': setting({ passesWake: true }),
};

const model = createModel(modelName, { seed: 0 });
const optimizer = tf.train.momentum(0.01, 0.9);
const images = tf.randomNormal([batch, 28, 28, 1]);
const labels = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32'), 10);
const train = () => trainStep(tf, model, optimizer, images, labels);
const infer = () => { const out = model.predict(images); out.dataSync(); out.dispose(); };
for (let i = 0; i < 3; i++) { train(); infer(); }

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
/** ms the caller has spent waiting for the workers at split calls' barriers so far (KernelPool.timings). */
const waited = () => Object.values(pool.timings).reduce((sum, timing) => sum + timing.waitMs, 0);
const results = new Map();
const waits = new Map();
for (let round = 0; round < rounds; round++) {
  for (const [name, apply] of Object.entries(settings)) {
    apply();
    for (const [phase, run] of [['train', train], ['infer', infer]]) {
      run(); // the setting's first call pays its switch
      const times = [];
      const waitBefore = waited();
      for (let s = 0; s < steps; s++) { const start = performance.now(); run(); times.push(performance.now() - start); }
      const key = `${name}|${phase}`;
      results.set(key, [...(results.get(key) ?? []), median(times)]);
      waits.set(key, (waits.get(key) ?? 0) + (waited() - waitBefore) / steps / rounds);
    }
  }
}
settings.default();
console.log(`${modelName}, batch ${batch}, ${threads} threads, ${rounds} rounds × ${steps} steps; median ms per round (median of rounds, range)`);
for (const [key, values] of results) {
  const [name, phase] = key.split('|');
  console.log(`${phase.padEnd(6)} ${name.padEnd(24)} ${median(values).toFixed(1).padStart(8)}  (${Math.min(...values).toFixed(1)}-${Math.max(...values).toFixed(1)})  waiting ${waits.get(key).toFixed(1)} ms a step  ${values.map((v) => v.toFixed(1)).join(' ')}`);
}
console.log(`calls that found a worker late: ${pool.lateCalls}`);
