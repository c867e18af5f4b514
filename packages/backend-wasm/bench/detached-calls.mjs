// @digitlab-bench skip: a developer tool for thread work; pnpm bench measures throughput through digitlab bench
// Filter gradients detached on the kernel pool's worker (internal/detached-calls.ts) against split over both
// threads, in one process so that a shared machine's phases fall on both alike:
//  - steps: training steps of a zoo model (trainer's SGD with momentum), split and detached alternating every round
//    of --steps steps, the order flipped each round; median and min ms a step of each, then the wait at the join
//    and the jobs still queued there (a step's backward pass: which side ends first);
//  - layers: one layer's input gradient whole on the caller, its filter gradient whole on the worker, both at once,
//    and the input gradient split over both threads (min / median ms of 15): whether the two calls slow each other.
// Build first (`npx -y pnpm@10.34.8 exec turbo run build`), then e.g.
//   node bench/detached-calls.mjs [--model resnet-mini] [--batch 64] [--rounds 8] [--steps 5] [--layers]
import { loadBuild } from './relaxed-simd.mjs';

const args = process.argv.slice(2);
const flag = (name, fallback) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : fallback; };
const modelName = flag('model', 'resnet-mini');
const batch = Number(flag('batch', 64));
const rounds = Number(flag('rounds', 8));
const steps = Number(flag('steps', 5));

const tf = await import('@tensorflow/tfjs-core');
await import('@tensorflow/tfjs-layers');
await loadBuild('dist', 2);
const { simdKernelPool } = await import('../dist/internal/simd-kernels.js');
const { poolThresholds } = await import('../dist/internal/kernel-pool.js');
const { detachedKernels, joinDetached } = await import('../dist/internal/detached-calls.js');
const backend = tf.backend();
const pool = simdKernelPool(backend);
if (pool?.threads !== 2) throw new Error('no kernel pool of 2 threads: detached calls need one');

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
const min = (values) => Math.min(...values);

if (args.includes('--layers')) {
  const attrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC' };
  const time = (body) => {
    const ms = [];
    for (let i = 0; i < 15; i++) {
      const start = performance.now();
      tf.dispose(body());
      ms.push(performance.now() - start);
    }
    return `${min(ms).toFixed(2)} / ${median(ms).toFixed(2)}`;
  };
  console.log(`batch ${batch}, 3×3 stride 1 'same', min / median ms of 15`);
  for (const [size, channels] of [[28, 16], [14, 32], [7, 64], [4, 128]]) {
    const [x, dy, w] = [tf.randomNormal([batch, size, size, channels]), tf.randomNormal([batch, size, size, channels]), tf.randomNormal([3, 3, channels, channels])];
    const dW = () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: [3, 3, channels, channels] });
    const dX = () => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, inputShape: [batch, size, size, channels] });
    const saved = { ...poolThresholds };
    const minWork = detachedKernels.minWork;
    // Whole calls: nothing splits, every filter gradient detaches.
    Object.assign(poolThresholds, { work: Infinity, floats: Infinity, wakeFloats: Infinity });
    detachedKernels.minWork = 0;
    const caller = time(dX);
    const worker = time(() => {
      const dw = dW();
      joinDetached(backend);
      return dw;
    });
    const both = time(() => {
      const outputs = [dW(), dX()];
      joinDetached(backend);
      return outputs;
    });
    Object.assign(poolThresholds, saved);
    detachedKernels.minWork = minWork;
    const splitInput = time(dX);
    console.log(`${size}×${size}×${channels}: dX whole on the caller ${caller} | dW whole on the worker ${worker} | both at once ${both} | dX split ${splitInput}`);
    tf.dispose([x, dy, w]);
  }
} else {
  const { createModel } = await import('../../models/dist/index.js');
  const { sgd } = await import('../../trainer/dist/index.js');
  const model = createModel(modelName, { seed: 1 });
  const images = tf.randomNormal([batch, 28, 28, 1], 0, 1, 'float32', 1);
  const labels = tf.tidy(() => tf.cast(tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32', 2), 10), 'float32'));
  const variables = model.trainableWeights.map((weight) => weight.read());
  const optimizer = sgd({ momentum: 0.9 });
  const step = () =>
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, model.apply(images, { training: true })), variables);
      optimizer.applyGradients(variables, variables.map((variable) => grads[variable.name]), { learningRate: 0.01 });
      return value.dataSync()[0];
    });
  // The join's wait, timed around the pool's join (a step's backward pass ends in one, where tfjs disposes its tensors).
  let joinMs = 0;
  let joins = 0;
  let queuedAtJoin = 0;
  const { join } = pool;
  pool.join = () => {
    const start = performance.now();
    queuedAtJoin += pool.detachedPending;
    join();
    joinMs += performance.now() - start;
    joins += 1;
  };
  const times = { split: [], detached: [] };
  for (let round = 0; round < rounds; round++) {
    for (const mode of round % 2 ? ['detached', 'split'] : ['split', 'detached']) {
      detachedKernels.filterGradient = mode === 'detached';
      step();
      for (let s = 0; s < steps; s++) {
        const start = performance.now();
        step();
        times[mode].push(performance.now() - start);
      }
    }
  }
  detachedKernels.filterGradient = true;
  console.log(`${modelName}, batch ${batch}, 2 threads, ${rounds} rounds of ${steps} steps, ms a step, median (min):`);
  for (const [mode, ms] of Object.entries(times)) console.log(`  ${mode.padEnd(9)} ${median(ms).toFixed(1)} (${min(ms).toFixed(1)})`);
  // Every detached step ran once per round untimed (the warm-up after a switch) besides its timed ones.
  const detachedRun = rounds * (steps + 1);
  const perStep = Object.entries(pool.detachedRuns).map(([kernel, count]) => `${kernel} ${(count / detachedRun).toFixed(1)}`).join(', ');
  console.log(`  detached calls a step: ${perStep}; at the join: ${(joinMs / detachedRun).toFixed(1)} ms a step, ${(queuedAtJoin / Math.max(joins, 1)).toFixed(1)} jobs still queued`);
  console.log(`  tensors alive: ${tf.memory().numTensors}`);
}
