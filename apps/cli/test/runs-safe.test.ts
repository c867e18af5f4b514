/**
 * Runs are transactional, end to end on the built `digitlab` binary (real processes, real MNIST):
 * a start that fails (backend, data, --out, a batch too big for memory) leaves nothing; SIGINT in
 * the first epoch finishes the step, writes checkpoints/last, says how to resume and exits 130, and
 * the resumed run finishes; SIGTERM does the same for finetune with 143; a run folder with only
 * best/ resumes, and the temp folders a killed write left are removed.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realTestSet } from '../../../packages/datasets/src/__fixtures__/real-mnist.js';
import { writeDigitCsv } from './support/digit-files.js';

const repository = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const bin = join(repository, 'apps', 'cli', 'dist', 'bin.js');
const execute = promisify(execFile);
const wasm = ['--backend', 'wasm', '--threads', '1'];
let root: string;
let csv: string;

async function digitlab(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execute(process.execPath, [bin, ...args], { cwd: root, env: { ...process.env, DIGITLAB_LOG_LEVEL: 'info' }, maxBuffer: 64 << 20, timeout: 240_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** Starts the CLI, sends `signal` once `file` exists, and resolves with the exit code and stderr. */
async function signalWhen(file: string, signal: NodeJS.Signals, args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  while (!existsSync(file) && child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 20));
  child.kill(signal);
  return { code: await exited, stderr };
}

const state = async (checkpoint: string) => JSON.parse(await readFile(join(checkpoint, 'trainer-state.json'), 'utf8')) as { epoch: number; step: number; stepInEpoch: number };

beforeAll(async () => {
  execFileSync('npx', ['tsc', '--build', 'apps/cli'], { cwd: repository, stdio: 'inherit' });
  root = await mkdtemp(join(tmpdir(), 'digitlab-runs-safe-'));
  csv = join(root, 'digits.csv');
  await writeDigitCsv(csv, await realTestSet(), 0, 400);
}, 300_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('a start that fails leaves nothing', () => {
  it('checks the backend, data and --out before creating the run folder', async () => {
    const out = join(root, 'never');
    const backend = await digitlab('train', '--backend', 'quantum', '--out', out);
    expect(backend.code).toBe(2);
    expect(backend.stderr).toMatch(/Unknown backend: "quantum"/);
    const data = await digitlab('train', '--data', `csv:${join(root, 'missing.csv')}`, ...wasm, '--out', out);
    expect(data.code).not.toBe(0);
    expect(existsSync(out)).toBe(false);
    const memory = await digitlab('train', '--batch-size', '30000', '--limit', '30000', ...wasm, '--out', out);
    expect(memory.code).toBe(2);
    expect(memory.stderr).toMatch(/--batch-size 30000 needs about [\d.]+ GiB for one training step, more than the 2\.0 GiB the wasm backend can address\. Pick --batch-size \d+ or less\./);
    expect(existsSync(out)).toBe(false);
    // The same --out then works (checked up to the point where training would start: a bad --lr is caught first).
    expect((await digitlab('train', '--out', out, '--lr', '0')).stderr).not.toMatch(/already holds files/);

    const file = join(root, 'a-file');
    await writeFile(file, 'not a folder');
    // Root ignores permission bits, so as root a read-only place is /sys (sysfs refuses new files).
    const readOnly = join(root, 'read-only');
    await mkdir(readOnly);
    await chmod(readOnly, 0o555);
    const unwritable = process.getuid?.() === 0 ? '/sys/digitlab-run' : join(readOnly, 'run');
    const cases: Array<[string, RegExp]> = [
      [file, /--out ".*a-file" is a file, not a folder\. Pick a new folder\./],
      [join(file, 'run'), /--out ".*a-file\/run" cannot be created: ".*a-file" is a file, not a folder/],
      [unwritable, /--out ".*" is not writable: ".*" refuses new files \(permission denied\)\. Pick a folder you can write to/],
      ['/proc/digitlab-run', /--out "\/proc\/digitlab-run" is not writable: "\/proc" refuses new files/],
    ];
    for (const command of ['train', 'finetune', 'lr-find']) {
      const model = command === 'train' ? [] : ['--model', command === 'finetune' ? 'pretrained:fast-cnn' : 'mlp', '--data', `csv:${csv}`];
      for (const [path, message] of cases) {
        const started = performance.now();
        const result = await digitlab(command, ...model, ...wasm, '--out', path);
        expect(result.code, `${command} --out ${path}: ${result.stderr}`).toBe(2);
        expect(result.stderr).toMatch(message);
        expect(performance.now() - started, 'refused at once, no hang').toBeLessThan(30_000);
      }
    }
    expect(existsSync('/proc/digitlab-run') || existsSync(unwritable)).toBe(false);
  }, 600_000);
});

describe('interrupts and resume', () => {
  it('SIGINT in the first epoch writes checkpoints/last, exits 130 and says how to resume; the resumed run finishes; best/ alone resumes and stale temp folders go', async () => {
    const out = join(root, 'interrupted');
    const args = ['train', '--model', 'mlp', '--data', `csv:${csv}`, '--test', `csv:${csv}`, '--epochs', '1', '--batch-size', '4', '--checkpoint-every-steps', '10', '--no-report', ...wasm, '--out', out];
    const stopped = await signalWhen(join(out, 'checkpoints', 'last', 'trainer-state.json'), 'SIGINT', args);
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.stderr).toMatch(/SIGINT: finishing the current step and writing a checkpoint/);
    expect(stopped.stderr).toContain(`Continue with: digitlab train --resume ${out}`);
    const last = await state(join(out, 'checkpoints', 'last'));
    expect(last.epoch).toBe(0); // inside the first epoch (90 steps)
    expect(last.stepInEpoch).toBeGreaterThanOrEqual(10);
    expect(stopped.stderr).toContain(`stopped after step ${last.step} (0 epochs complete)`);
    expect(existsSync(join(out, 'model'))).toBe(false);

    const resumed = await digitlab('train', '--resume', out, ...wasm, '--no-report', '--json');
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/resuming from checkpoints\/last/);
    expect((await state(join(out, 'checkpoints', 'last'))).epoch).toBe(1);
    expect(existsSync(join(out, 'model', 'model.json'))).toBe(true);

    // A kill -9 during the first write of last/ leaves best/ (here: the finished run's) and temp folders.
    const bestOnly = join(root, 'best-only');
    await cp(out, bestOnly, { recursive: true });
    await rm(join(bestOnly, 'checkpoints', 'last'), { recursive: true });
    await rm(join(bestOnly, 'model'), { recursive: true });
    const staleCheckpoint = join(bestOnly, 'checkpoints', '.last.tmp-999999999-1');
    const staleModel = join(bestOnly, '.model.tmp-0b1e5a3c-95c4-4d7f-9f0e-2d1c6a7b8e90');
    for (const folder of [staleCheckpoint, staleModel]) {
      await mkdir(folder);
      await writeFile(join(folder, 'model.json'), '{"modelTopol');
    }
    const fromBest = await digitlab('train', '--resume', bestOnly, ...wasm, '--no-report', '--json');
    expect(fromBest.code, fromBest.stderr).toBe(0);
    expect(fromBest.stderr).toMatch(/resuming from checkpoints\/best/);
    expect(fromBest.stderr).toContain(`removed ${staleCheckpoint}`);
    expect(existsSync(staleCheckpoint) || existsSync(staleModel)).toBe(false);
    expect(existsSync(join(bestOnly, 'model', 'model.json'))).toBe(true);
    expect((await readdir(join(bestOnly, 'checkpoints'))).filter((name) => name.includes('.tmp-'))).toEqual([]);
  }, 600_000);

  it('SIGTERM stops finetune with a checkpoint, exit 143 and the resume command; the resumed run finishes', async () => {
    const out = join(root, 'finetune-terminated');
    const args = ['finetune', '--model', 'pretrained:fast-cnn', '--data', `csv:${csv}`, '--strategy', 'lora', '--epochs', '3', '--batch-size', '8', '--checkpoint-every-steps', '5', '--no-report', ...wasm, '--out', out];
    const stopped = await signalWhen(join(out, 'checkpoints', 'last', 'trainer-state.json'), 'SIGTERM', args);
    expect(stopped.code, stopped.stderr).toBe(143);
    expect(stopped.stderr).toContain(`Continue with: digitlab finetune --resume ${out}`);
    const last = await state(join(out, 'checkpoints', 'last'));
    expect(last.epoch).toBe(0); // inside the first epoch (40 steps): written by --checkpoint-every-steps
    expect(last.stepInEpoch).toBeGreaterThanOrEqual(5);
    const resumed = await digitlab('finetune', '--resume', out, ...wasm, '--json');
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout).epochs.at(-1).epoch).toBe(3);
  }, 600_000);
});
