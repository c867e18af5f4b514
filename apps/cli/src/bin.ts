#!/usr/bin/env node
/**
 * The `digitlab` command. Each subcommand lives in `commands/<name>.ts` and exports
 * `run(argv: string[]): Promise<number>` returning the exit code (0 ok, 1 failure, 2 bad usage).
 * Subcommands are imported lazily so `digitlab backends` never loads a training stack.
 */
import { setFlagsFromString } from 'node:v8';

// Relaxed SIMD (f32x4.relaxed_madd = FMA) makes the wasm backend's convolution kernels faster; it
// is on by default from Node 22 and behind this flag in Node 20. Libraries never flip engine flags,
// so the app does, here, before any WebAssembly is compiled.
if (Number(process.versions.node.split('.')[0]) < 22) setFlagsFromString('--experimental-wasm-relaxed-simd');
const commands: Record<string, string> = {
  train: './commands/train.js',
  evaluate: './commands/evaluate.js',
  predict: './commands/predict.js',
  finetune: './commands/finetune.js',
  'lr-find': './commands/lr-find.js',
  backends: './commands/backends.js',
  bench: './commands/bench.js',
  data: './commands/data.js',
  explain: './commands/explain.js',
  report: './commands/report.js',
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stderr.write(`usage: digitlab <command> [options]\ncommands: ${Object.keys(commands).join(', ')}\n`);
    return name ? 0 : 2;
  }
  const modulePath = commands[name];
  if (!modulePath) {
    process.stderr.write(`digitlab: unknown command "${name}". Should be one of: ${Object.keys(commands).join(', ')}\n`);
    return 2;
  }
  const command = (await import(modulePath)) as { run(argv: string[]): Promise<number> };
  return command.run(rest);
}

process.exitCode = await main(process.argv.slice(2));
