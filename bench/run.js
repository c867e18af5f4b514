#!/usr/bin/env node
/**
 * `pnpm bench`: our training/inference throughput beside PyTorch's, measured side by side in one run
 * (the machines are shared and noisy, so only ratios from the same run mean anything), then every
 * `packages/*\/bench/*.mjs` and `apps/*\/bench/*.mjs` script the workspace adds (datasets throughput, time to
 * accuracy, the libraries and the demo in Chromium, ...).
 *
 *   node bench/run.js [--models seed-cnn,resnet-mini] [--backends wasm,...] [--threads 1[,2]] [--json]
 *                     [--steps N] [--rounds 3] [--no-scripts] [--no-pytorch]
 *
 * Each row is measured in `--rounds` rounds (PyTorch, then ours, back to back); it shows the median
 * images/s of each side, the median of the rounds' own ratios and their range: on this shared box
 * the speed of both sides moves by ±20-40% within minutes, so one round's ratio can be off by that.
 *
 * `--threads` is a comma list; each count runs on both sides (PyTorch's torch.set_num_threads, our
 * engine's --threads), one row each. Needs the CLI built (`pnpm bench` runs `turbo run build` first). PyTorch comes from Debian's
 * `python3-torch` for /usr/bin/python3 (override with DIGITLAB_PYTHON); the reference script is
 * `../shared/bench/pytorch_reference.py` from the repository root, or DIGITLAB_PYTORCH_REFERENCE.
 * Extra scripts run with a time limit of DIGITLAB_BENCH_SCRIPT_TIMEOUT_S (default 600) seconds each;
 * a script whose first lines contain `@digitlab-bench skip`, or that a sibling script imports, is a
 * helper and is not run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'apps', 'cli', 'dist', 'bin.js');
const python = process.env.DIGITLAB_PYTHON ?? '/usr/bin/python3';
const reference = process.env.DIGITLAB_PYTORCH_REFERENCE ?? resolve(root, '..', 'shared', 'bench', 'pytorch_reference.py');
const scriptTimeoutSeconds = Number(process.env.DIGITLAB_BENCH_SCRIPT_TIMEOUT_S ?? 600);

/** Timed steps per model, the same for us and PyTorch; ResNet-mini is ~20x slower per image. */
const stepsByModel = { 'seed-cnn': 40, 'fast-cnn': 40, 'bn-cnn': 20, 'resnet-mini': 6 };
const batch = 64;

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: 'seed-cnn,resnet-mini' },
    backends: { type: 'string' },
    threads: { type: 'string', default: '1' },
    steps: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    json: { type: 'boolean', default: false },
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
const rows = [];
for (const model of models) {
  const steps = values.steps ? Number(values.steps) : (stepsByModel[model] ?? 20);
  for (const threads of threadCounts) {
    const rounds = Object.fromEntries(backends.map((backend) => [backend, []]));
    for (let round = 0; round < roundCount; round++) {
      // PyTorch first, then each of our backends, back to back, so they see the same machine load.
      const pytorch = torch.available ? runPytorch(model, steps, threads) : undefined;
      for (const backend of backends) rounds[backend].push({ ours: await runOurs(model, backend, steps, threads), pytorch });
    }
    for (const backend of backends) rows.push({ model, backend, threads, steps, ...summarise(rounds[backend]) });
  }
}

const scripts = values['no-scripts'] ? [] : runPackageScripts();

if (values.json) {
  process.stdout.write(`${JSON.stringify({ batch, pytorch: torch.available ? torch.version : torch.why, rows, scripts }, null, 2)}\n`);
} else {
  printTable(rows, torch);
  for (const script of scripts) {
    process.stdout.write(`\n${script.path} (${script.seconds.toFixed(0)} s, exit ${script.status})\n`);
    if (script.json.length > 0) for (const object of script.json) process.stdout.write(`${JSON.stringify(object)}\n`);
    else process.stdout.write(`  no JSON on stdout${script.error ? ` (${script.error})` : ''}${script.stdoutTail ? `; it printed:\n${script.stdoutTail}` : ''}\n`);
  }
}
process.exitCode = rows.some((row) => row.ours.error) ? 1 : 0;

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
    : { ...rounds[0].ours, trainImagesPerSecond: median(rounds.map((r) => r.ours.trainImagesPerSecond)), inferImagesPerSecond: median(rounds.map((r) => r.ours.inferImagesPerSecond)), leakedTensorsPerStep: Math.max(...rounds.map((r) => r.ours.leakedTensorsPerStep)) };
  // No PyTorch at all (undefined in every round), or the first round it failed in.
  const untimed = rounds.find((round) => !round.pytorch || round.pytorch.error);
  const pytorch = untimed
    ? untimed.pytorch
    : { ...rounds[0].pytorch, trainImagesPerSecond: median(rounds.map((r) => r.pytorch.trainImagesPerSecond)), inferImagesPerSecond: median(rounds.map((r) => r.pytorch.inferImagesPerSecond)) };
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

async function runOurs(model, backend, steps, threads) {
  const args = [cli, 'bench', '--json', '--model', model, '--backend', backend, '--batch', String(batch), '--steps', String(steps), '--optimizer', 'sgdm', '--threads', String(threads)];
  log(`bench: digitlab ${args.slice(1).join(' ')}`);
  const run = await runUntilJson(process.execPath, args);
  if (!run.json) return { error: `exit ${run.status}, no JSON on stdout` };
  return run.json.error ? { error: run.json.error.message } : run.json;
}

/**
 * Runs a command that prints one JSON object, and returns it. A process that printed its object but
 * does not exit (worker threads left running keep Node alive) is stopped after a grace period.
 */
function runUntilJson(command, args, graceMilliseconds = 5000) {
  return new Promise((resolvePromise) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    let json;
    let timer;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      try {
        json = JSON.parse(stdout);
      } catch {
        return; // not complete yet
      }
      timer ??= setTimeout(() => {
        log(`bench: ${basename(args[0] ?? command)} printed its result but did not exit within ${graceMilliseconds / 1000} s; stopping it`);
        child.kill('SIGTERM');
      }, graceMilliseconds);
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolvePromise({ status: status ?? signal, json });
    });
  });
}

function pytorchStatus() {
  if (!existsSync(reference)) return { available: false, why: `n/a (${reference} not found; set DIGITLAB_PYTORCH_REFERENCE)` };
  const probe = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (probe.status !== 0) return { available: false, why: 'n/a (install python3-torch)' };
  return { available: true, version: `pytorch ${probe.stdout.trim()}` };
}

function runPytorch(model, steps, threads) {
  const args = [reference, 'throughput', '--model', model, '--batch', String(batch), '--steps', String(steps), '--optimizer', 'sgdm', '--threads', String(threads)];
  log(`bench: ${python} ${args.map((arg) => basename(arg)).join(' ')}`);
  const run = spawnSync(python, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    return JSON.parse(run.stdout);
  } catch {
    return { error: `exit ${run.status}` };
  }
}

/** Runs every entry-point script under packages/*\/bench and apps/*\/bench and keeps the JSON objects it prints, one per line. */
function runPackageScripts() {
  const results = [];
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
      log(`bench: node ${path}`);
      const started = performance.now();
      const run = spawnSync(process.execPath, [join(root, path)], { cwd: root, encoding: 'utf8', timeout: scriptTimeoutSeconds * 1000, stdio: ['ignore', 'pipe', 'inherit'] });
      const json = jsonObjects(run.stdout ?? '');
      results.push({
        path,
        status: run.status ?? run.signal,
        seconds: (performance.now() - started) / 1000,
        json,
        // What a script printed instead of JSON (a table, say) is still worth showing.
        ...(json.length === 0 ? { stdoutTail: (run.stdout ?? '').trim().split('\n').slice(-40).join('\n') } : {}),
        ...(run.error ? { error: run.error.message } : {}),
      });
    }
  }
  return results;
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

function printTable(tableRows, torchInfo) {
  const format = (value) => (typeof value === 'number' ? value.toFixed(value >= 100 ? 0 : 1) : value);
  const ratio = (value) => (value === undefined ? '-' : `${value.median.toFixed(2)}x${value.max > value.min ? ` (${value.min.toFixed(2)}-${value.max.toFixed(2)})` : ''}`);
  const header = ['model', 'backend', 'threads', 'ours train', 'ours infer', 'pytorch train', 'pytorch infer', 'ratio train', 'ratio infer', 'leaked/step'];
  const body = tableRows.map(({ model, backend, threads, ours, pytorch, ratio: ratios }) => {
    const torchTrain = pytorch?.trainImagesPerSecond ?? (torchInfo.available ? pytorch?.error ?? '-' : 'n/a (install python3-torch)');
    const torchInfer = pytorch?.inferImagesPerSecond ?? (torchInfo.available ? '-' : 'n/a');
    return [
      model,
      backend,
      ours.error ? String(threads) : `${ours.threads ?? '?'}${ours.threads !== threads ? ` (asked ${threads})` : ''}`,
      ours.error ? `error: ${ours.error}` : format(ours.trainImagesPerSecond),
      ours.error ? '-' : format(ours.inferImagesPerSecond),
      format(torchTrain),
      format(torchInfer),
      ratio(ratios.train),
      ratio(ratios.infer),
      ours.error ? '-' : String(ours.leakedTensorsPerStep),
    ];
  });
  const widths = header.map((title, column) => Math.max(title.length, ...body.map((cells) => String(cells[column]).length)));
  const line = (cells) => cells.map((cell, column) => String(cell).padEnd(widths[column])).join('  ').trimEnd();
  process.stdout.write(
    [
      `images/s, batch ${batch}, SGD momentum 0.9 lr 0.01, same thread count asked of both sides; ${torchInfo.available ? torchInfo.version : torchInfo.why}`,
      `medians of ${roundCount} round(s) (PyTorch then ours, back to back); ratio: the median of the rounds' ratios (their range)`,
      line(header),
      ...body.map(line),
      '',
    ].join('\n'),
  );
}
