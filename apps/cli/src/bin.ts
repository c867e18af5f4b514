#!/usr/bin/env node
/**
 * The `digitlab` command. Each subcommand lives in `commands/<name>.ts` and exports
 * `run(argv: string[]): Promise<number>` returning the exit code (0 ok, 1 failure, 2 bad usage).
 * Subcommands are imported lazily so `digitlab backends` never loads a training stack.
 */
import { setFlagsFromString } from 'node:v8';
import { commands } from './command-list.js';
import { formatVersions, packageVersions } from './versions.js';

// Relaxed SIMD (f32x4.relaxed_madd = FMA) makes the wasm backend's convolution kernels faster; it
// is on by default from Node 22 and behind this flag in Node 20. Libraries never flip engine flags,
// so the app does, here, before any WebAssembly is compiled.
if (Number(process.versions.node.split('.')[0]) < 22) setFlagsFromString('--experimental-wasm-relaxed-simd');

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
digitlab --version prints the versions of the packages and of TensorFlow.js;
digitlab completion bash|zsh|fish prints a shell completion script.
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
