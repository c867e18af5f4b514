// @digitlab-bench skip: a developer tool for kernel work; pnpm bench measures throughput through digitlab bench
// Inference latency (model.predict, read back) of zoo models for builds of this package, interleaved round by
// round in separate processes: fastest and median CPU ms and wall ms per call. CPU time leaves out the waits a
// loaded machine adds to wall time, so on a shared box compare builds by it (and the minimum). Build
// packages/models first; dist folders as in step-times.mjs (paths relative to this package):
//   node bench/latency.mjs [--dist dist,.cache/head/dist] [--models seed-cnn,resnet-mini,bn-cnn] [--batch 1] [--rounds 3] [--threads 1] [--calls 200]
// A model name ending in ":folded" runs that zoo model after @digitlab/models' foldBatchNorm (batch norms folded
// into the convolutions before them, ReLUs into their epilogue), the inference form of a trained model.
import { loadBuild } from './relaxed-simd.mjs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const flag = (name, fallback) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : fallback; };

if (args[0] === '--child') {
  const [, dist, modelName, threads, batch, calls] = args;
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-layers');
  await loadBuild(dist, Number(threads));
  const { createModel, foldBatchNorm } = await import('../../models/dist/index.js');
  const [zooName, form] = modelName.split(':');
  const built = createModel(zooName, { seed: 0 });
  const model = form === 'folded' ? foldBatchNorm(built) : built;
  const images = tf.randomNormal([Number(batch), 28, 28, 1], 0, 1, 'float32', 1);
  const predict = () => tf.tidy(() => model.predict(images).dataSync());
  for (let i = 0; i < 30; i++) predict(); // warm-up: TurboFan tier-up, heap at its steady size
  const cpu = [];
  const wall = [];
  const before = tf.memory().numTensors;
  for (let i = 0; i < Number(calls); i++) {
    const cpuStart = process.cpuUsage();
    const wallStart = performance.now();
    predict();
    wall.push(performance.now() - wallStart);
    const used = process.cpuUsage(cpuStart);
    cpu.push((used.user + used.system) / 1000);
  }
  const sorted = (values) => [...values].sort((a, b) => a - b);
  const median = (values) => sorted(values)[values.length >> 1];
  console.log(JSON.stringify({ cpuMin: sorted(cpu)[0], cpuMedian: median(cpu), wallMin: sorted(wall)[0], wallMedian: median(wall), leaked: tf.memory().numTensors - before }));
} else {
  const dists = flag('dist', 'dist,.cache/head/dist').split(',');
  const models = flag('models', 'seed-cnn,resnet-mini,bn-cnn').split(',');
  const rounds = Number(flag('rounds', 3));
  const threads = flag('threads', '1');
  const batch = flag('batch', '1');
  const calls = flag('calls', '200');
  for (let round = 0; round < rounds; round++) {
    for (const model of models) {
      for (const dist of dists) {
        const run = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', dist, model, threads, batch, calls], { encoding: 'utf8', timeout: 300_000 });
        const line = run.stdout.trim().split('\n').pop();
        if (run.status !== 0 || !line) { console.error(`${dist}: exit ${run.status}\n${run.stderr}`); continue; }
        const r = JSON.parse(line);
        const ms = (value) => value.toFixed(3).padStart(7);
        console.log(`round ${round + 1} ${model.padEnd(12)} ${dist.padEnd(18)} batch ${batch} threads ${threads}: cpu min ${ms(r.cpuMin)} median ${ms(r.cpuMedian)} ms | wall min ${ms(r.wallMin)} median ${ms(r.wallMedian)} ms | leaked ${r.leaked}`);
      }
    }
  }
}
