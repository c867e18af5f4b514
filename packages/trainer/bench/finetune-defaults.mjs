#!/usr/bin/env node
// @digitlab-bench skip: runs the built CLI twice per strategy (minutes on 2 cores): run it on its own, its header says how
/**
 * Do `digitlab finetune`'s defaults work? Each strategy fine-tunes the shipped pretrained model on
 * about 1,000 images of a handwriting style no test trains on (the UCI optical digits as PNG scans,
 * see uci-digits-folder.mjs) and is scored on the rest of that style, through the real CLI:
 *
 *   before: --epochs 3 --lr 0.003 (one setting for every strategy)
 *   after:  no --epochs/--lr at all (finetuneDefaults, per strategy), and, with --auto, --lr auto
 *
 * The goal (issue 20): LoRA within 1 point of full fine-tuning with ≤ 5% of the parameters trainable.
 *
 *   apt-get install -y python3-sklearn   # or pass --digits-csv PATH
 *   npx -y pnpm@10.34.8 build && node packages/trainer/bench/finetune-defaults.mjs \
 *     [--per-class 100] [--model pretrained:fast-cnn] [--strategies lora,ia3,adapter,full,linear-probe] \
 *     [--settings before,after] [--auto] [--folder DIR] [--seed 0] [--threads 1]
 *
 * `--folder DIR` keeps the images there, so the printed commands can be pasted as they are.
 * Prints a markdown table (with each row's command) on stdout, the JSON of every row on stderr.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeUciDigitsFolder } from './uci-digits-folder.mjs';

const { values } = parseArgs({
  options: {
    'digits-csv': { type: 'string' },
    'per-class': { type: 'string', default: '100' },
    model: { type: 'string', default: 'pretrained:fast-cnn' },
    strategies: { type: 'string', default: 'lora,ia3,adapter,full,linear-probe' },
    settings: { type: 'string', default: 'before,after' },
    auto: { type: 'boolean', default: false },
    folder: { type: 'string' },
    seed: { type: 'string', default: '0' },
    threads: { type: 'string', default: '1' },
  },
});
const log = (message) => process.stderr.write(`${message}\n`);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const cli = join(root, 'apps/cli/dist/bin.js');
if (!existsSync(cli)) throw new Error(`The CLI is not built (${cli} is missing). Run: npx -y pnpm@10.34.8 build`);
const startLoad = loadavg();
log(`machine: ${cpus().length} cores (${cpus()[0]?.model}), load average ${startLoad.map((l) => l.toFixed(2)).join(' ')} at start`);

const folder = values.folder ? resolve(values.folder) : undefined;
const { work, trainCount, testCount } = writeUciDigitsFolder({
  ...(values['digits-csv'] ? { csvPath: values['digits-csv'] } : {}),
  ...(folder ? { work: folder } : {}),
  perClass: Number(values['per-class']),
  seed: Number(values.seed),
  log,
});
const shown = (path) => (folder ? relative(process.cwd(), path) || '.' : path);

const settings = { before: ['--epochs', '3', '--lr', '0.003'], after: [], auto: ['--lr', 'auto'] };
const chosen = [...values.settings.split(','), ...(values.auto ? ['auto'] : [])];
for (const name of chosen) if (!settings[name]) throw new Error(`unknown setting "${name}". Should be one of: ${Object.keys(settings).join(', ')}`);

const rows = [];
for (const strategy of values.strategies.split(',')) {
  for (const setting of chosen) {
    const out = join(work, 'runs', `${strategy}-${setting}`);
    const args = ['finetune', '--model', values.model, '--data', `folder:${shown(join(work, 'train'))}`, '--test', `folder:${shown(join(work, 'test'))}`, '--strategy', strategy, ...settings[setting], '--seed', values.seed, '--no-report'];
    const started = process.hrtime.bigint();
    const result = spawnSync(process.execPath, [cli, ...args, '--out', out, '--backend', 'wasm', '--threads', values.threads, '--json'], { cwd: process.cwd(), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (result.status !== 0) throw new Error(`digitlab ${args.join(' ')} exited ${result.status}:\n${result.stderr.slice(-4000)}`);
    const output = JSON.parse(result.stdout);
    const row = {
      strategy,
      setting,
      command: `digitlab ${args.join(' ')}`,
      epochs: output.epochs.length,
      lr: output.learningRate,
      trainablePercent: 100 * output.parameters.fraction,
      test: output.test.accuracy,
      wallSeconds: seconds,
    };
    rows.push(row);
    log(JSON.stringify(row));
  }
}
if (!folder) rmSync(work, { recursive: true, force: true });

const pct = (value) => `${(100 * value).toFixed(2)}%`;
process.stdout.write(
  `\nUCI optical digits as PNG scans: ${trainCount} training images (the CLI holds out 0.2 for validation), ${testCount} test images; base ${values.model}.\n` +
    `digitlab CLI, wasm ${values.threads} thread(s), seed ${values.seed}; ${cpus().length} cores (${cpus()[0]?.model}), load average ${startLoad[0].toFixed(2)} at start, ${loadavg()[0].toFixed(2)} at the end.\n\n` +
    `| strategy | settings | epochs | lr | trainable % | test acc. | wall s |\n|---|---|---|---|---|---|---|\n` +
    rows.map((row) => `| ${row.strategy} | ${row.setting} | ${row.epochs} | ${row.lr} | ${row.trainablePercent.toFixed(2)}% | ${pct(row.test)} | ${row.wallSeconds.toFixed(0)} |`).join('\n') +
    `\n\nCommands (after \`--folder ${values.folder ?? 'DIR'}\` wrote the images):\n\n` +
    rows.map((row) => `    ${row.command}`).join('\n') +
    '\n',
);
