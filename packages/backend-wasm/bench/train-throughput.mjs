// @digitlab-bench skip: a developer tool for kernel work; pnpm bench measures throughput through digitlab bench
// Training / inference throughput of the wasm backend (our kernels) beside PyTorch, measured in the
// same run so the ratio is meaningful on a shared, noisy machine. Against the built dist/:
//   npx tsc --build packages/backend-wasm
//   node packages/backend-wasm/bench/train-throughput.mjs [--models seed-cnn,resnet-mini] [--threads 1,2]
//        [--steps 30] [--batch 64] [--no-pytorch] [--dist dist,.cache/baseline/dist]
// --dist lists builds of this package (paths relative to it) to measure side by side in one run,
// e.g. the committed HEAD compiled into .cache/baseline/dist against the working tree's dist/;
// "dist:plain" is a build without FMA kernels (relaxedSimd: false), so --dist dist:plain,dist compares them.
// Each thread count runs in a child process (tfjs fixes the wasm thread count at backend init).
import { loadBuild } from './relaxed-simd.mjs';
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const flag = (name, fallback) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : fallback; };
const batch = Number(flag('batch', 64));
const steps = Number(flag('steps', 30));

if (args[0] === '--child') {
  await child(args[1], Number(args[2]), args[3]);
} else {
  const selectedModels = flag('models', 'seed-cnn,resnet-mini').split(',');
  const threadCounts = flag('threads', '1,2').split(',').map(Number);
  const dists = flag('dist', 'dist').split(',');
  const rows = [];
  for (const model of selectedModels) {
    const torch = args.includes('--no-pytorch') ? undefined : pytorch(model);
    for (const threads of threadCounts) for (const dist of dists) {
      const run = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', model, String(threads), dist, '--batch', String(batch), '--steps', String(model.startsWith('resnet') ? Math.max(3, Math.round(steps / 6)) : steps)], { encoding: 'utf8', timeout: 300_000 });
      const line = run.stdout.trim().split('\n').pop();
      if (run.status !== 0 || !line) { console.error(`${model} threads=${threads}: ${run.error ? run.error.message : `exit ${run.status}`}\n${run.stderr}`); continue; }
      const ours = JSON.parse(line);
      rows.push({ model, dist, ...ours, torchTrain: torch?.trainImagesPerSecond, torchInfer: torch?.inferImagesPerSecond });
    }
  }
  console.log('\nbuild'.padEnd(28) + 'model        threads(actual)  train img/s  infer img/s  leaked/step  train img/cpu-s | pytorch train  infer (1 thread) | ratio train  infer');
  for (const r of rows) {
    const ratio = (a, b) => (b ? (a / b).toFixed(2) : '-');
    console.log(`${r.dist.padEnd(27)}${r.model.padEnd(12)} ${String(r.threadsRequested).padStart(3)} (${String(r.threads).padStart(1)})         ${r.train.toFixed(0).padStart(8)}  ${r.infer.toFixed(0).padStart(10)}  ${String(r.leakedPerStep).padStart(10)}  ${r.trainPerCpuSecond.toFixed(0).padStart(14)} | ${(r.torchTrain ?? 0).toFixed(0).padStart(12)} ${(r.torchInfer ?? 0).toFixed(0).padStart(7)}          | ${ratio(r.train, r.torchTrain).padStart(10)} ${ratio(r.infer, r.torchInfer).padStart(6)}`);
    if (r.threadsFallback) console.log(`  (threads fallback: ${r.threadsFallback})`);
  }
}

function pytorch(model) {
  try {
    const out = execFileSync('/usr/bin/python3', ['/work/shared/bench/pytorch_reference.py', 'throughput', '--model', model, '--batch', String(batch), '--steps', model.startsWith('resnet') ? '20' : '100'], { encoding: 'utf8' });
    return JSON.parse(out.trim().split('\n').pop());
  } catch (error) {
    console.error(`pytorch reference unavailable: ${error.message.split('\n')[0]}`);
    return undefined;
  }
}

async function child(modelName, threads, dist) {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-layers');
  const { models, trainStep } = await import('./models.mjs');
  const loaded = await loadBuild(dist, threads);
  const model = models[modelName]();
  const optimizer = tf.train.momentum(0.01, 0.9);
  const images = tf.randomNormal([batch, 28, 28, 1]);
  const labels = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32'), 10);
  for (let i = 0; i < 3; i++) trainStep(tf, model, optimizer, images, labels); // warm-up: slots, XNNPACK operators
  const before = tf.memory().numTensors;
  let started = performance.now();
  const cpuBefore = process.cpuUsage();
  for (let i = 0; i < steps; i++) trainStep(tf, model, optimizer, images, labels);
  const cpuUsed = process.cpuUsage(cpuBefore);
  // Kernels run synchronously on wasm, so the step loop's wall time is the training time.
  const trainSeconds = (performance.now() - started) / 1000;
  const leakedPerStep = (tf.memory().numTensors - before) / steps;
  const inferSteps = steps * 2;
  tf.tidy(() => model.apply(images, { training: false })); // warm-up
  started = performance.now();
  for (let i = 0; i < inferSteps; i++) {
    const output = model.apply(images, { training: false });
    await output.data();
    output.dispose();
  }
  const inferSeconds = (performance.now() - started) / 1000;
  process.stdout.write(`${JSON.stringify({
    threadsRequested: threads,
    threads: loaded.capabilities.threads,
    threadsFallback: loaded.capabilities.threadsFallback,
    train: (batch * steps) / trainSeconds,
    // Per CPU-second of this process (all its threads): steadier than wall time on a loaded box
    // for comparing our builds; not comparable to PyTorch's wall-clock figure.
    trainPerCpuSecond: (batch * steps) / ((cpuUsed.user + cpuUsed.system) / 1e6),
    infer: (batch * inferSteps) / inferSeconds,
    leakedPerStep,
  })}\n`);
}
