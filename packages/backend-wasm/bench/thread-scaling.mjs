// @digitlab-bench skip: a developer tool for thread work; pnpm bench measures throughput beside PyTorch
// Issue #22's "two threads never slower than one" check: `digitlab bench` for every zoo model at
// 1 and 2 threads, batch 64 and 1, training and inference, each configuration in its own process,
// interleaved round by round (1 and 2 threads back to back), with `uptime`'s load beside each round.
// Prints medians and ranges and the 2-thread / 1-thread ratios. Needs an idle machine to mean
// anything; build first (`npx -y pnpm@10.34.8 exec turbo run build`), then from the repository root:
//   node packages/backend-wasm/bench/thread-scaling.mjs [--models seed-cnn,resnet-mini] [--batches 64,1] [--rounds 3] [--steps N]
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const flag = (name, fallback) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : fallback; };
const models = flag('models', 'seed-cnn,resnet-mini,fast-cnn,fast-bn-cnn,bn-cnn').split(',');
const batches = flag('batches', '64,1').split(',').map(Number);
const rounds = Number(flag('rounds', 3));
const steps = flag('steps', undefined);
const cli = fileURLToPath(new URL('../../../apps/cli/dist/bin.js', import.meta.url));
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ')[0];

const results = new Map(); // `${model} ${batch} ${threads}` → { train: [], infer: [], loads: [] }
for (let round = 0; round < rounds; round++) {
  for (const model of models) {
    for (const batch of batches) {
      for (const threads of [1, 2]) {
        const before = load();
        const run = spawnSync(process.execPath, [cli, 'bench', '--model', model, '--backend', 'wasm', '--threads', String(threads), '--batch', String(batch), '--json', ...(steps ? ['--steps', steps] : [])], { encoding: 'utf8', timeout: 600_000 });
        if (run.status !== 0) {
          console.error(`${model} batch ${batch} threads ${threads}: exit ${run.status}\n${run.stderr}`);
          continue;
        }
        const result = JSON.parse(run.stdout);
        const key = `${model} ${batch} ${threads}`;
        const entry = results.get(key) ?? { train: [], infer: [], loads: [] };
        entry.train.push(result.trainImagesPerSecond);
        entry.infer.push(result.inferImagesPerSecond);
        entry.loads.push(before);
        results.set(key, entry);
        console.error(`round ${round + 1}: ${key.padEnd(22)} train ${result.trainImagesPerSecond.toFixed(1)} img/s, infer ${result.inferImagesPerSecond.toFixed(1)} img/s (load ${before})`);
      }
    }
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
const range = (values) => `${Math.min(...values).toFixed(0)}-${Math.max(...values).toFixed(0)}`;
console.log('| model | batch | train 1 thread img/s | train 2 threads | ratio | infer 1 thread img/s | infer 2 threads | ratio | load (1-min) |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const model of models) {
  for (const batch of batches) {
    const one = results.get(`${model} ${batch} 1`);
    const two = results.get(`${model} ${batch} 2`);
    if (!one || !two) continue;
    const cell = (values) => `${median(values).toFixed(0)} (${range(values)})`;
    console.log(
      `| ${model} | ${batch} | ${cell(one.train)} | ${cell(two.train)} | ${(median(two.train) / median(one.train)).toFixed(2)}x | ` +
        `${cell(one.infer)} | ${cell(two.infer)} | ${(median(two.infer) / median(one.infer)).toFixed(2)}x | ${[...one.loads, ...two.loads].join(' ')} |`,
    );
  }
}
