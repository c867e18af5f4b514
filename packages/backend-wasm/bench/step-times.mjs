// @digitlab-bench skip: a developer tool for kernel work; pnpm bench measures throughput through digitlab bench
// Fastest and median single training-step time (CPU ms and wall ms) of one zoo model for builds of this
// package, interleaved round by round in separate processes: on a shared, loaded machine the minimum is
// the steadiest figure for comparing two builds. Against built dist/ folders (paths relative to this package):
//   node bench/step-times.mjs [--dist dist,.cache/head/dist] [--model seed-cnn] [--rounds 2] [--threads 1]
// ("dist:plain": that build without FMA kernels; ":xnn1", ":nopool": see relaxed-simd.mjs)
import { loadBuild } from './relaxed-simd.mjs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const flag = (name, fallback) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : fallback; };

if (args[0] === '--child') {
  const [, dist, modelName, threads] = args;
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-layers');
  const { models, trainStep } = await import('./models.mjs');
  await loadBuild(dist, Number(threads));
  const model = models[modelName]();
  const optimizer = tf.train.momentum(0.01, 0.9);
  const images = tf.randomNormal([64, 28, 28, 1]);
  const labels = tf.oneHot(tf.randomUniform([64], 0, 10, 'int32'), 10);
  for (let i = 0; i < 5; i++) trainStep(tf, model, optimizer, images, labels); // warm-up: TurboFan tier-up, slots
  const cpu = [];
  const wall = [];
  const steps = modelName.startsWith('resnet') ? 6 : 25;
  for (let i = 0; i < steps; i++) {
    const cpuStart = process.cpuUsage();
    const wallStart = performance.now();
    trainStep(tf, model, optimizer, images, labels);
    wall.push(performance.now() - wallStart);
    const used = process.cpuUsage(cpuStart);
    cpu.push((used.user + used.system) / 1000);
  }
  const sorted = (values) => [...values].sort((a, b) => a - b);
  const median = (values) => sorted(values)[values.length >> 1];
  // Inference on the same batch (predict: the fused kernels), min of 10 after 2 warm-ups.
  const infer = [];
  for (let i = 0; i < 12; i++) {
    const start = performance.now();
    tf.tidy(() => model.predict(images).dataSync());
    if (i >= 2) infer.push(performance.now() - start);
  }
  console.log(JSON.stringify({ cpuMin: sorted(cpu)[0], cpuMedian: median(cpu), wallMin: sorted(wall)[0], wallMedian: median(wall), inferMin: sorted(infer)[0] }));
} else {
  const dists = flag('dist', 'dist,.cache/head/dist').split(',');
  const model = flag('model', 'seed-cnn');
  const rounds = Number(flag('rounds', 2));
  const threads = flag('threads', '1');
  for (let round = 0; round < rounds; round++) {
    for (const dist of dists) {
      const run = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', dist, model, threads], { encoding: 'utf8', timeout: 300_000 });
      const line = run.stdout.trim().split('\n').pop();
      if (run.status !== 0 || !line) { console.error(`${dist}: exit ${run.status}\n${run.stderr}`); continue; }
      const r = JSON.parse(line);
      console.log(`${dist.padEnd(20)} ${model} threads ${threads}: step cpu min ${r.cpuMin.toFixed(1)} median ${r.cpuMedian.toFixed(1)} ms | wall min ${r.wallMin.toFixed(1)} median ${r.wallMedian.toFixed(1)} ms | infer wall min ${r.inferMin.toFixed(1)} ms`);
    }
  }
}
