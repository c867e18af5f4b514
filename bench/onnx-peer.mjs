#!/usr/bin/env node
/**
 * Batch-1 latency and batch-64 inference beside onnxruntime-web, measured in one run: the target of
 * issue #22 is our batch-1 latency ≤ onnxruntime-web's on the same nets (what the demo's
 * draw-and-predict loop feels). `pnpm bench` runs it with the other scripts.
 *
 *   node bench/onnx-peer.mjs [--models seed-cnn,resnet-mini] [--threads 1,2] [--calls 200]
 *
 * The nets are the PyTorch reference's (`pytorch_reference.py export-onnx`, inference mode, into a
 * temporary folder), run by onnxruntime-web's wasm backend in Node (each thread count in its own
 * process: its thread pool is fixed when the first session starts). Ours is `digitlab bench
 * --backend wasm` at the same batch sizes and thread counts (its `inferLatencyMs` and
 * `inferImagesPerSecond`). Batch 1: the median ms of `--calls` calls after 20 warm-up calls; batch
 * 64: images/s over a fixed number of calls after 3 warm-up calls. Every measurement runs back to back
 * per (model, threads), onnxruntime-web first. Prints one JSON object per row on stdout and the table on stderr.
 * Needs the CLI built (`pnpm bench` builds it) and PyTorch for the export (DIGITLAB_PYTHON,
 * DIGITLAB_PYTORCH_REFERENCE as for bench/run.js).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runUntilJson } from './run-until-json.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'apps', 'cli', 'dist', 'bin.js');
const python = process.env.DIGITLAB_PYTHON ?? '/usr/bin/python3';
const reference = process.env.DIGITLAB_PYTORCH_REFERENCE ?? resolve(root, '..', 'shared', 'bench', 'pytorch_reference.py');
const warmupCalls = 20;
/** Calls timed at batch 64 per model (resnet-mini is ~20x seed-cnn's work per image). */
const batchCallsByModel = { 'seed-cnn': 40, 'resnet-mini': 8 };
const log = (message) => process.stderr.write(`${message}\n`);

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: 'seed-cnn,resnet-mini' },
    threads: { type: 'string', default: '1,2' },
    calls: { type: 'string', default: '200' },
    // Internal: measure one ONNX file in onnxruntime-web in this process and print one JSON object.
    'measure-ort': { type: 'string' },
    'batch-calls': { type: 'string', default: '20' },
  },
});
const calls = Number(values.calls);
const threadCounts = values.threads.split(',').map(Number);
if (!Number.isInteger(calls) || calls < 1 || threadCounts.some((count) => !Number.isInteger(count) || count < 1)) {
  log(`onnx-peer: --calls must be a positive integer and --threads positive integers separated by commas, got "${values.calls}", "${values.threads}"`);
  process.exit(2);
}

if (values['measure-ort']) {
  process.stdout.write(`${JSON.stringify(await measureOrt(values['measure-ort'], threadCounts[0] ?? 1, calls, Number(values['batch-calls'])))}\n`);
  process.exit(0);
}

if (!existsSync(cli)) {
  log(`onnx-peer: ${cli} is missing. Build first: npx -y pnpm@10.34.8 build (pnpm bench does it for you).`);
  process.exit(1);
}
const folder = mkdtempSync(join(tmpdir(), 'digitlab-onnx-peer-'));
try {
  const rows = [];
  for (const model of values.models.split(',')) {
    const file = join(folder, `${model}.onnx`);
    const exported = spawnSync(python, [reference, 'export-onnx', '--model', model, '--out', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (exported.status !== 0 || !existsSync(file)) {
      const row = { model, error: `export-onnx failed (exit ${exported.status}; needs PyTorch for ${python} and ${reference})` };
      rows.push(row);
      process.stdout.write(`${JSON.stringify(row)}\n`);
      continue;
    }
    const batchCalls = batchCallsByModel[model] ?? 20;
    for (const threads of threadCounts) {
      const ort = await runUntilJson(process.execPath, [fileURLToPath(import.meta.url), '--measure-ort', file, '--threads', String(threads), '--calls', String(calls), '--batch-calls', String(batchCalls)]);
      const ours1 = await ours(model, threads, 1, calls, warmupCalls);
      const ours64 = await ours(model, threads, 64, batchCalls, 3);
      const row = {
        model,
        threads,
        cpu: cpus()[0]?.model ?? 'unknown',
        onnxruntimeWeb: ort.json ?? { error: `exit ${ort.status}, no JSON` },
        ours: { threads: ours1.threads ?? ours1.error, batch1Ms: ours1.inferLatencyMs ?? ours1.error, batch64ImagesPerSecond: ours64.inferImagesPerSecond ?? ours64.error },
      };
      row.batch1TargetMet = typeof row.ours.batch1Ms === 'number' && typeof row.onnxruntimeWeb.batch1Ms === 'number' ? row.ours.batch1Ms <= row.onnxruntimeWeb.batch1Ms : undefined;
      rows.push(row);
      process.stdout.write(`${JSON.stringify(row)}\n`);
    }
  }
  printTable(rows);
} finally {
  rmSync(folder, { recursive: true, force: true });
}

/** Our inference at one batch size and thread count, through `digitlab bench` (it trains `steps` steps first). */
async function ours(model, threads, batch, steps, warmup) {
  const args = [cli, 'bench', '--json', '--backend', 'wasm', '--model', model, '--batch', String(batch), '--threads', String(threads), '--steps', String(steps), '--warmup', String(warmup)];
  log(`onnx-peer: digitlab ${args.slice(1).join(' ')}`);
  const run = await runUntilJson(process.execPath, args);
  if (!run.json) return { error: `exit ${run.status}, no JSON` };
  return run.json.error ? { error: run.json.error.message } : run.json;
}

/** One ONNX file in onnxruntime-web's wasm backend: median batch-1 ms and batch-64 images/s. */
async function measureOrt(file, threads, batch1Calls, batch64Calls) {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = threads;
  const session = await ort.InferenceSession.create(file, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const inputOf = (batch) => new ort.Tensor('float32', Float32Array.from({ length: batch * 28 * 28 }, (_, index) => Math.sin(index)), [batch, 1, 28, 28]);
  const run = async (input) => {
    const outputs = await session.run({ x: input });
    for (const output of Object.values(outputs)) output.dispose();
  };
  const one = inputOf(1);
  for (let call = 0; call < warmupCalls; call++) await run(one);
  const times = [];
  for (let call = 0; call < batch1Calls; call++) {
    const start = performance.now();
    await run(one);
    times.push(performance.now() - start);
  }
  const sixtyFour = inputOf(64);
  for (let call = 0; call < 3; call++) await run(sixtyFour);
  const start = performance.now();
  for (let call = 0; call < batch64Calls; call++) await run(sixtyFour);
  const seconds = (performance.now() - start) / 1000;
  await session.release();
  // onnxruntime-web falls back to one thread (and says so) where threads are unsupported: report what it used.
  return { engine: `onnxruntime-web ${ort.env.versions.web} (wasm, Node)`, threads: ort.env.wasm.numThreads, batch1Ms: median(times), batch1Calls, batch64ImagesPerSecond: (64 * batch64Calls) / seconds };
}

function median(numbers) {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function printTable(tableRows) {
  const number = (value, digits) => (typeof value === 'number' ? value.toFixed(digits) : String(value ?? '-'));
  const header = ['model', 'threads', 'ort-web b1 ms', 'ours b1 ms', 'target b1 ≤ ort-web', 'ort-web b64 img/s', 'ours b64 img/s'];
  const body = tableRows.map((row) =>
    row.error
      ? [row.model, '-', `error: ${row.error}`, '-', '-', '-', '-']
      : [
          row.model,
          `${row.threads}${row.ours.threads !== row.threads ? ` (ours ${row.ours.threads})` : ''}`,
          number(row.onnxruntimeWeb.batch1Ms ?? row.onnxruntimeWeb.error, 2),
          number(row.ours.batch1Ms, 2),
          row.batch1TargetMet === undefined ? 'n/a' : row.batch1TargetMet ? 'met' : 'NOT MET',
          number(row.onnxruntimeWeb.batch64ImagesPerSecond ?? row.onnxruntimeWeb.error, 0),
          number(row.ours.batch64ImagesPerSecond, 0),
        ],
  );
  const widths = header.map((title, column) => Math.max(title.length, ...body.map((cells) => String(cells[column]).length)));
  const line = (cells) => cells.map((cell, column) => String(cell).padEnd(widths[column])).join('  ').trimEnd();
  log(
    [
      `batch-1 latency (median of ${calls} calls) and batch-64 inference, ours (wasm) beside onnxruntime-web (wasm) on the same nets; ${cpus()[0]?.model ?? 'unknown CPU'}`,
      line(header),
      ...body.map(line),
    ].join('\n'),
  );
}
