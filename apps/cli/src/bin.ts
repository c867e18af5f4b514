#!/usr/bin/env node
/**
 * The `digitlab` command. Each subcommand lives in `commands/<name>.ts` and exports
 * `run(argv: string[]): Promise<number>` returning the exit code (0 ok, 1 failure, 2 bad usage).
 * Subcommands are imported lazily so `digitlab backends` never loads a training stack.
 */
import { setFlagsFromString } from 'node:v8';
import { formatVersions, packageVersions } from './versions.js';

// Relaxed SIMD (f32x4.relaxed_madd = FMA) makes the wasm backend's convolution kernels faster; it
// is on by default from Node 22 and behind this flag in Node 20. Libraries never flip engine flags,
// so the app does, here, before any WebAssembly is compiled.
if (Number(process.versions.node.split('.')[0]) < 22) setFlagsFromString('--experimental-wasm-relaxed-simd');

/** Every command: its module and what it does, in one line (the `--help` list). */
const commands: Record<string, { module: string; summary: string }> = {
  train: { module: './commands/train.js', summary: 'train a fresh zoo model on MNIST, a CSV or a folder of images; writes a run folder' },
  evaluate: { module: './commands/evaluate.js', summary: 'score a model (or an ensemble) on the MNIST test set, a CSV or a folder' },
  predict: { module: './commands/predict.js', summary: 'say which digit each image file (or every image in a folder) shows' },
  finetune: { module: './commands/finetune.js', summary: 'adapt a saved or pretrained model to new digits (LoRA, adapters, freezing, ...)' },
  'lr-find': { module: './commands/lr-find.js', summary: 'sweep the learning rate and suggest one for training or fine-tuning' },
  backends: { module: './commands/backends.js', summary: 'list the compute engines, which one runs here, and why the others do not' },
  bench: { module: './commands/bench.js', summary: 'measure training and inference speed of the zoo models' },
  data: { module: './commands/data.js', summary: 'find, download and verify the MNIST files' },
};

const help = `usage: digitlab <command> [options]     (digitlab <command> --help for its options)

${Object.entries(commands)
  .map(([name, { summary }]) => `  ${name.padEnd(10)} ${summary}`)
  .join('\n')}

Models (--model): a folder (runs/<run>/model), pretrained:NAME, or a zoo name for a fresh model.
Data (--data, --test): mnist[:digits=5-9][:per-class=K], csv:FILE or folder:DIR.

Common invocations:
  digitlab train --out runs/first                               # ~99.2% on MNIST in a few minutes
  digitlab predict --model pretrained:bn-cnn my-digits/ --recursive
  digitlab finetune --model pretrained:bn-cnn --data folder:my-digits --out runs/mine

Options for every command: --backend NAME, --seed S, --json, --config FILE, --verbose.
digitlab --version prints the versions of the packages and of TensorFlow.js.
`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-v' || name === 'version') {
    process.stdout.write(formatVersions(packageVersions()));
    return 0;
  }
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    (name ? process.stdout : process.stderr).write(help);
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`digitlab: unknown command "${name}". Should be one of: ${Object.keys(commands).join(', ')}. Run "digitlab --help" for what each does.\n`);
    return 2;
  }
  const module = (await import(command.module)) as { run(argv: string[]): Promise<number> };
  return module.run(rest);
}

process.exitCode = await main(process.argv.slice(2));
