#!/usr/bin/env node
/**
 * Fault-injection soak for interrupted training (issue 21; not part of the unit suite): trains a
 * small model once without interruption, then runs the same training again and again, killing it
 * with SIGKILL at random moments and resuming (`digitlab train --resume`) until it finishes, until
 * at least `--kills` kills have landed. Every finished run's final weights (checkpoints/last and the
 * saved model) must equal the uninterrupted run's byte for byte. Prints a table: runs, kills (and
 * how many landed after the attempt had written a checkpoint, i.e. in training rather than
 * start-up), restarts (killed before the first checkpoint, so there was nothing to resume), lost
 * runs (a resume refused or failed), mismatches.
 *
 *   pnpm build && node scripts/fault-soak.mjs [--kills 50] [--seed 1] [--keep]
 *
 * The job: mlp on the first 3,000 MNIST training images, 3 epochs of batch 32 (282 steps), a
 * checkpoint every 10 steps, wasm on one thread (deterministic), no report.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { kills: { type: 'string', default: '50' }, seed: { type: 'string', default: '1' }, keep: { type: 'boolean', default: false } } });
const targetKills = Number(values.kills);
const bin = join(dirname(fileURLToPath(import.meta.url)), '..', 'apps', 'cli', 'dist', 'bin.js');
if (!existsSync(bin)) throw new Error(`${bin} is missing: run pnpm build first`);
const job = ['--model', 'mlp', '--limit', '3000', '--epochs', '3', '--batch-size', '32', '--checkpoint-every-steps', '10', '--seed', '0', '--no-report'];
const device = ['--backend', 'wasm', '--threads', '1'];

// mulberry32: the kill moments are reproducible from --seed.
let rngState = Number(values.seed) >>> 0;
function random() {
  rngState = (rngState + 0x6d2b79f5) >>> 0;
  let t = rngState;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** Runs the CLI; with `killAfterMs`, SIGKILLs it then if it is still running. */
function digitlab(args, killAfterMs) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let killed = false;
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => {
      killed = child.exitCode === null && child.kill('SIGKILL');
    }, killAfterMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, killed, stderr });
    });
  });
}

/** The step of the run's newest complete checkpoint, or -1 without one. */
async function checkpointStep(run) {
  for (const name of ['last', 'last.previous']) {
    try {
      return JSON.parse(await readFile(join(run, 'checkpoints', name, 'trainer-state.json'), 'utf8')).step;
    } catch {
      // not there (yet)
    }
  }
  return -1;
}

async function finalWeights(run) {
  return Promise.all([join(run, 'checkpoints', 'last', 'weights.bin'), join(run, 'model', 'weights.bin')].map((file) => readFile(file)));
}

const root = await mkdtemp(join(tmpdir(), 'digitlab-fault-soak-'));
const reference = join(root, 'reference');
let started = performance.now();
const clean = await digitlab(['train', ...job, ...device, '--out', reference]);
if (clean.code !== 0) throw new Error(`the uninterrupted run failed (exit ${clean.code}):\n${clean.stderr}`);
const referenceMs = performance.now() - started;
const expected = await finalWeights(reference);
console.log(`uninterrupted run: ${(referenceMs / 1000).toFixed(1)} s; kills land uniformly in [0, ${(referenceMs / 1000).toFixed(1)} s) of each attempt`);

const totals = { runs: 0, kills: 0, killsInTraining: 0, restarts: 0, lost: 0, mismatches: 0, attempts: 0 };
started = performance.now();
while (totals.kills < targetKills) {
  const out = join(root, `run-${totals.runs}`);
  totals.runs += 1;
  let finished = false;
  let lost = false;
  while (!finished && !lost) {
    const resumable = existsSync(join(out, 'config.json'));
    // Kill until the target is reached, then let the run finish.
    const kill = totals.kills < targetKills ? random() * referenceMs : undefined;
    const stepBefore = await checkpointStep(out);
    const result = await digitlab(resumable ? ['train', '--resume', out, ...device, '--no-report'] : ['train', ...job, ...device, '--out', out], kill);
    totals.attempts += 1;
    if (result.killed) {
      totals.kills += 1;
      // Killed after this attempt had written a checkpoint: the kill landed in training, not start-up.
      if ((await checkpointStep(out)) > stepBefore) totals.killsInTraining += 1;
      continue;
    }
    if (result.code === 0) {
      finished = true;
    } else if ((resumable && /has no complete checkpoint/.test(result.stderr)) || (!resumable && /already holds files/.test(result.stderr))) {
      // Killed before the first checkpoint: nothing to resume, the run starts again.
      totals.restarts += 1;
      await rm(out, { recursive: true, force: true });
    } else {
      lost = true;
      totals.lost += 1;
      console.log(`lost run ${out} (exit ${result.code}):\n${result.stderr.trim().split('\n').slice(-3).join('\n')}`);
    }
  }
  if (finished) {
    const actual = await finalWeights(out);
    const same = actual.every((bytes, index) => bytes.equals(expected[index]));
    if (!same) {
      totals.mismatches += 1;
      console.log(`weights differ from the uninterrupted run: ${out}`);
    }
  }
  if (!values.keep) await rm(out, { recursive: true, force: true });
}
const seconds = (performance.now() - started) / 1000;
console.table([{ runs: totals.runs, attempts: totals.attempts, kills: totals.kills, 'kills after a new checkpoint': totals.killsInTraining, 'restarts (before 1st checkpoint)': totals.restarts, 'lost runs': totals.lost, mismatches: totals.mismatches, seconds: Math.round(seconds) }]);
if (!values.keep) await rm(root, { recursive: true, force: true });
else console.log(`run folders kept in ${root}`);
process.exitCode = totals.lost + totals.mismatches === 0 ? 0 : 1;
