#!/usr/bin/env node
/**
 * `pnpm bench`: our training/inference throughput beside PyTorch's, measured side by side in one run
 * (the machines are shared and noisy, so only ratios from the same run mean anything), then every
 * `packages/*\/bench/*.mjs` and `apps/*\/bench/*.mjs` script the workspace adds (datasets throughput, time to
 * accuracy, the libraries and the demo in Chromium, ...).
 *
 *   node bench/run.js [--models seed-cnn,resnet-mini,resnet18] [--backends wasm,...] [--threads 1[,2]] [--json]
 *                     [--steps N] [--rounds 3] [--no-sweep] [--sweep-models seed-cnn,resnet-mini]
 *                     [--sweep-batches 16,32,64,128,256] [--no-scripts] [--no-pytorch]
 *
 * Each row is measured in `--rounds` rounds (PyTorch, then ours, back to back); it shows the median
 * images/s of each side, the median of the rounds' own ratios and their range: on this shared box
 * the speed of both sides moves by ±20-40% within minutes, so one round's ratio can be off by that.
 * Each row also shows the peak resident memory (max RSS) of each side's process: Node's
 * `process.resourceUsage().maxRSS` as `digitlab bench --json` reports it, Python's `ru_maxrss`.
 * resnet18 (widths 64-128-256-512) is timed on one step after one warm-up step: it is ~25x
 * resnet-mini's work.
 *
 * The batch-size sweep (on unless `--no-sweep`) measures each `--sweep-models` model at each
 * `--sweep-batches` size, ours beside PyTorch, in one round of few steps (a fixed number of images
 * per point), so its ratios are rougher than the main table's.
 *
 * `--threads` is a comma list; each count runs on both sides (PyTorch's torch.set_num_threads, our
 * engine's --threads), one row each. Needs the CLI built (`pnpm bench` runs `turbo run build` first). PyTorch comes from Debian's
 * `python3-torch` for /usr/bin/python3 (override with DIGITLAB_PYTHON); the reference script is
 * `../shared/bench/pytorch_reference.py` from the repository root, or DIGITLAB_PYTORCH_REFERENCE, driven
 * through `bench/pytorch_extra.py` (resnet18 and max RSS on top of the reference). `bench/onnx-peer.mjs`
 * (batch-1 latency beside onnxruntime-web) runs first among the scripts.
 * Extra scripts run with a time limit of DIGITLAB_BENCH_SCRIPT_TIMEOUT_S (default 600) seconds each;
 * a script whose first lines contain `@digitlab-bench skip`, or that a sibling script imports, is a
 * helper and is not run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runUntilJson } from './run-until-json.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'apps', 'cli', 'dist', 'bin.js');
const python = process.env.DIGITLAB_PYTHON ?? '/usr/bin/python3';
const reference = process.env.DIGITLAB_PYTORCH_REFERENCE ?? resolve(root, '..', 'shared', 'bench', 'pytorch_reference.py');
const pytorchExtra = join(root, 'bench', 'pytorch_extra.py');
const scriptTimeoutSeconds = Number(process.env.DIGITLAB_BENCH_SCRIPT_TIMEOUT_S ?? 600);

/** Timed steps per model, the same for us and PyTorch; ResNet-mini is ~20x slower per image, resnet18 ~25x slower again. */
const stepsByModel = { 'seed-cnn': 40, 'fast-cnn': 40, 'bn-cnn': 20, 'resnet-mini': 6, resnet18: 1 };
/** Our warm-up steps where the CLI's default of 3 would cost more than the timed part. */
const warmupByModel = { resnet18: 1 };
/** Images per point of the batch-size sweep: steps = max(2, images / batch). */
const sweepImagesByModel = { 'seed-cnn': 1024, 'fast-cnn': 1024, 'bn-cnn': 512, 'resnet-mini': 256, resnet18: 64 };
const batch = 64;
/** Bench scripts of the repository itself, run before the workspaces' ones. */
const rootScripts = ['bench/onnx-peer.mjs'];

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: 'seed-cnn,resnet-mini,resnet18' },
    backends: { type: 'string' },
    threads: { type: 'string', default: '1' },
    steps: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    json: { type: 'boolean', default: false },
    sweep: { type: 'boolean', default: true },
    'no-sweep': { type: 'boolean', default: false },
    'sweep-models': { type: 'string', default: 'seed-cnn,resnet-mini' },
    'sweep-batches': { type: 'string', default: '16,32,64,128,256' },
    'no-scripts': { type: 'boolean', default: false },
    'no-pytorch': { type: 'boolean', default: false },
  },
});
const log = (message) => process.stderr.write(`${message}\n`);

if (!existsSync(cli)) {
  log(`bench: ${cli} is missing. Build first: npx -y pnpm@10.34.8 build (pnpm bench does it for you).`);
  process.exit(1);
}

const backends = values.backends ? values.backends.split(',') : availableBackends();
const models = values.models.split(',');
const torch = values['no-pytorch'] ? { available: false, why: 'skipped (--no-pytorch)' } : pytorchStatus();
if (!torch.available) log(`bench: PyTorch column: ${torch.why}`);

const threadCounts = values.threads.split(',').map(Number);
if (threadCounts.some((count) => !Number.isInteger(count) || count < 1)) {
  log(`bench: --threads must be positive integers separated by commas, got "${values.threads}"`);
  process.exit(2);
}
const roundCount = Number(values.rounds);
if (!Number.isInteger(roundCount) || roundCount < 1) {
  log(`bench: --rounds must be a positive integer, got "${values.rounds}"`);
  process.exit(2);
}
const sweepBatches = values['sweep-batches'].split(',').map(Number);
if (sweepBatches.some((size) => !Number.isInteger(size) || size < 1)) {
  log(`bench: --sweep-batches must be positive integers separated by commas, got "${values['sweep-batches']}"`);
  process.exit(2);
}
const sweepOn = values.sweep && !values['no-sweep'];

const rows = [];
for (const model of models) {
  const steps = values.steps ? Number(values.steps) : (stepsByModel[model] ?? 20);
  for (const threads of threadCounts) rows.push(...(await measure({ model, threads, batch, steps, rounds: roundCount })));
}
const sweep = [];
if (sweepOn) {
  for (const model of values['sweep-models'].split(',')) {
    for (const threads of threadCounts) {
      for (const size of sweepBatches) {
        const steps = Math.max(2, Math.round((sweepImagesByModel[model] ?? 512) / size));
        sweep.push(...(await measure({ model, threads, batch: size, steps, rounds: 1, warmup: 1 })));
      }
    }
  }
}

const scripts = values['no-scripts'] ? [] : runPackageScripts();

if (values.json) {
  process.stdout.write(`${JSON.stringify({ batch, pytorch: torch.available ? torch.version : torch.why, rows, sweep, scripts }, null, 2)}\n`);
} else {
  printTable(rows, torch, `images/s, batch ${batch}, SGD momentum 0.9 lr 0.01, same thread count asked of both sides; medians of ${roundCount} round(s) (PyTorch then ours, back to back)`);
  if (sweepOn) printTable(sweep, torch, 'batch-size sweep: images/s, one round of few steps per point (a fixed number of images per point)');
  for (const script of scripts) {
    process.stdout.write(`\n${script.path} (${script.seconds.toFixed(0)} s, exit ${script.status})\n`);
    if (script.json.length > 0) for (const object of script.json) process.stdout.write(`${JSON.stringify(object)}\n`);
    else process.stdout.write(`  no JSON on stdout${script.error ? ` (${script.error})` : ''}${script.stdoutTail ? `; it printed:\n${script.stdoutTail}` : ''}\n`);
  }
}
process.exitCode = [...rows, ...sweep].some((row) => row.ours.error) ? 1 : 0;

/**
 * Measures one model at one thread count and batch size in `rounds` rounds, PyTorch first, then each
 * of our backends, back to back so they see the same machine load; one row per backend.
 */
async function measure({ model, threads, batch: size, steps, rounds: count, warmup = warmupByModel[model] }) {
  const rounds = Object.fromEntries(backends.map((backend) => [backend, []]));
  for (let round = 0; round < count; round++) {
    const pytorch = torch.available ? runPytorch(model, size, steps, threads) : undefined;
    for (const backend of backends) rounds[backend].push({ ours: await runOurs(model, backend, size, steps, threads, warmup), pytorch });
  }
  return backends.map((backend) => ({ model, backend, threads, batch: size, steps, ...summarise(rounds[backend]) }));
}

/**
 * One row from its rounds: each side's median images/s (the first failed round's error, if any),
 * and the median and range of the rounds' ratios ours / PyTorch.
 */
function summarise(rounds) {
  const median = (numbers) => {
    const sorted = [...numbers].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  };
  const failed = rounds.find((round) => round.ours.error);
  const ours = failed
    ? failed.ours
    : {
        ...rounds[0].ours,
        trainImagesPerSecond: median(rounds.map((r) => r.ours.trainImagesPerSecond)),
        inferImagesPerSecond: median(rounds.map((r) => r.ours.inferImagesPerSecond)),
        leakedTensorsPerStep: Math.max(...rounds.map((r) => r.ours.leakedTensorsPerStep)),
        maxRssBytes: Math.max(...rounds.map((r) => r.ours.maxRssBytes)),
      };
  // No PyTorch at all (undefined in every round), or the first round it failed in.
  const untimed = rounds.find((round) => !round.pytorch || round.pytorch.error);
  const pytorch = untimed
    ? untimed.pytorch
    : {
        ...rounds[0].pytorch,
        trainImagesPerSecond: median(rounds.map((r) => r.pytorch.trainImagesPerSecond)),
        inferImagesPerSecond: median(rounds.map((r) => r.pytorch.inferImagesPerSecond)),
        maxRssBytes: Math.max(...rounds.map((r) => r.pytorch.maxRssBytes)),
      };
  const ratios = (key) => {
    if (failed || untimed) return undefined;
    const values = rounds.map((r) => r.ours[key] / r.pytorch[key]);
    return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
  };
  return { ours, pytorch, ratio: { train: ratios('trainImagesPerSecond'), infer: ratios('inferImagesPerSecond') }, rounds };
}

/** Backends `digitlab backends --json` says are available, cpu left out (about 2 img/s: minutes per row). */
function availableBackends() {
  const run = spawnSync(process.execPath, [cli, 'backends', '--json'], { encoding: 'utf8' });
  if (run.status !== 0) {
    log(`bench: "digitlab backends --json" failed (${run.status}): ${run.stderr.trim()}; using wasm only`);
    return ['wasm'];
  }
  const available = JSON.parse(run.stdout).backends.filter((entry) => entry.available).map((entry) => entry.name);
  if (available.includes('cpu')) log('bench: cpu left out (reference engine, about 2 img/s); add it with --backends wasm,cpu');
  return available.filter((name) => name !== 'cpu');
}

async function runOurs(model, backend, size, steps, threads, warmup) {
  const args = [cli, 'bench', '--json', '--model', model, '--backend', backend, '--batch', String(size), '--steps', String(steps), '--optimizer', 'sgdm', '--threads', String(threads)];
  if (warmup !== undefined) args.push('--warmup', String(warmup));
  log(`bench: digitlab ${args.slice(1).join(' ')}`);
  const run = await runUntilJson(process.execPath, args);
  if (!run.json) return { error: `exit ${run.status}, no JSON on stdout` };
  return run.json.error ? { error: run.json.error.message } : run.json;
}

function pytorchStatus() {
  if (!existsSync(reference)) return { available: false, why: `n/a (${reference} not found; set DIGITLAB_PYTORCH_REFERENCE)` };
  const probe = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (probe.status !== 0) return { available: false, why: 'n/a (install python3-torch)' };
  return { available: true, version: `pytorch ${probe.stdout.trim()}` };
}

/** PyTorch's side of a row, through pytorch_extra.py: the reference's timed loop, plus resnet18 and max RSS. */
function runPytorch(model, size, steps, threads) {
  const args = [pytorchExtra, 'throughput', '--model', model, '--batch', String(size), '--steps', String(steps), '--optimizer', 'sgdm', '--threads', String(threads)];
  log(`bench: ${python} ${args.map((arg) => basename(arg)).join(' ')}`);
  const run = spawnSync(python, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, DIGITLAB_PYTORCH_REFERENCE: reference } });
  try {
    return JSON.parse(run.stdout);
  } catch {
    return { error: `exit ${run.status}` };
  }
}

/**
 * Runs `rootScripts`, then every entry-point script under packages/*\/bench and apps/*\/bench, and
 * keeps the JSON objects each prints, one per line.
 */
function runPackageScripts() {
  const paths = [...rootScripts];
  const workspaces = ['packages', 'apps'].flatMap((parent) => readdirSync(join(root, parent)).sort().map((name) => join(parent, name)));
  for (const workspace of workspaces) {
    const directory = join(root, workspace, 'bench');
    if (!existsSync(directory)) continue;
    const files = readdirSync(directory).filter((name) => name.endsWith('.mjs')).sort();
    const sources = Object.fromEntries(files.map((name) => [name, readFileSync(join(directory, name), 'utf8')]));
    const helpers = new Set(files.filter((name) => files.some((other) => other !== name && sources[other].includes(`'./${name}'`))));
    for (const name of files) {
      const path = join(workspace, 'bench', name);
      if (helpers.has(name) || sources[name].split('\n').slice(0, 5).some((line) => line.includes('@digitlab-bench skip'))) {
        log(`bench: ${path} is a helper or marked @digitlab-bench skip: not run`);
        continue;
      }
      paths.push(path);
    }
  }
  return paths.map(runScript);
}

/** Runs one bench script with the time limit and returns its JSON objects (or what it printed instead). */
function runScript(path) {
  log(`bench: node ${path}`);
  const started = performance.now();
  const run = spawnSync(process.execPath, [join(root, path)], { cwd: root, encoding: 'utf8', timeout: scriptTimeoutSeconds * 1000, stdio: ['ignore', 'pipe', 'inherit'] });
  const json = jsonObjects(run.stdout ?? '');
  return {
    path,
    status: run.status ?? run.signal,
    seconds: (performance.now() - started) / 1000,
    json,
    // What a script printed instead of JSON (a table, say) is still worth showing.
    ...(json.length === 0 ? { stdoutTail: (run.stdout ?? '').trim().split('\n').slice(-40).join('\n') } : {}),
    ...(run.error ? { error: run.error.message } : {}),
  };
}

/** The JSON a script printed: the whole of stdout when it is one (pretty-printed) object, else every one-line object. */
function jsonObjects(stdout) {
  const parse = (text) => {
    try {
      const value = JSON.parse(text);
      return typeof value === 'object' && value !== null ? [value] : [];
    } catch {
      return [];
    }
  };
  const whole = parse(stdout.trim());
  if (whole.length > 0) return whole;
  return stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('{') && line.endsWith('}'))
    .flatMap(parse);
}

function printTable(tableRows, torchInfo, title) {
  const format = (value) => (typeof value === 'number' ? value.toFixed(value >= 100 ? 0 : 1) : value);
  const ratio = (value) => (value === undefined ? '-' : `${value.median.toFixed(2)}x${value.max > value.min ? ` (${value.min.toFixed(2)}-${value.max.toFixed(2)})` : ''}`);
  const mebibytes = (bytes) => (typeof bytes === 'number' ? (bytes / 2 ** 20).toFixed(0) : '-');
  const header = ['model', 'backend', 'batch', 'threads', 'ours train', 'ours infer', 'pytorch train', 'pytorch infer', 'ratio train', 'ratio infer', 'leaked/step', 'ours RSS MiB', 'pytorch RSS MiB'];
  const body = tableRows.map(({ model, backend, batch: size, threads, ours, pytorch, ratio: ratios }) => {
    const torchTrain = pytorch?.trainImagesPerSecond ?? (torchInfo.available ? pytorch?.error ?? '-' : 'n/a (install python3-torch)');
    const torchInfer = pytorch?.inferImagesPerSecond ?? (torchInfo.available ? '-' : 'n/a');
    return [
      model,
      backend,
      String(size),
      ours.error ? String(threads) : `${ours.threads ?? '?'}${ours.threads !== threads ? ` (asked ${threads})` : ''}`,
      ours.error ? `error: ${ours.error}` : format(ours.trainImagesPerSecond),
      ours.error ? '-' : format(ours.inferImagesPerSecond),
      format(torchTrain),
      format(torchInfer),
      ratio(ratios.train),
      ratio(ratios.infer),
      ours.error ? '-' : String(ours.leakedTensorsPerStep),
      ours.error ? '-' : mebibytes(ours.maxRssBytes),
      mebibytes(pytorch?.maxRssBytes),
    ];
  });
  const widths = header.map((title, column) => Math.max(title.length, ...body.map((cells) => String(cells[column]).length)));
  const line = (cells) => cells.map((cell, column) => String(cell).padEnd(widths[column])).join('  ').trimEnd();
  process.stdout.write(
    [
      `${title}; ${torchInfo.available ? torchInfo.version : torchInfo.why}`,
      "ratio: ours / PyTorch, the median of the rounds' ratios (their range); RSS: each side's peak resident memory",
      line(header),
      ...body.map(line),
      '',
    ].join('\n'),
  );
}
