/**
 * The run folder of `digitlab train` and `digitlab finetune`: `config.json` (the resolved configuration), `metrics.jsonl`
 * (one JSON line per epoch and per evaluation), `checkpoints/{best,last}/` and the final `model/`.
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from './cli-support.js';

/** Paths inside a run folder. */
export interface RunDirectory {
  root: string;
  config: string;
  metrics: string;
  checkpoints: string;
  model: string;
}

/** The layout of the run folder at `root`. */
export function runDirectory(root: string): RunDirectory {
  const absolute = resolve(root);
  return {
    root: absolute,
    config: join(absolute, 'config.json'),
    metrics: join(absolute, 'metrics.jsonl'),
    checkpoints: join(absolute, 'checkpoints'),
    model: join(absolute, 'model'),
  };
}

/** `runs/2026-11-28T14-05-09-fast-cnn`: sortable, readable, and safe in every file system. */
export function defaultRunFolder(model: string, now = new Date()): string {
  return join('runs', `${now.toISOString().slice(0, 19).replace(/:/g, '-')}-${model}`);
}

/**
 * Refuses an `--out` that already holds files (another run's results) or is not a folder, before
 * anything is created: called first, so a run that fails to start leaves nothing behind.
 */
export function assertFreshRunFolder(root: string): void {
  const absolute = resolve(root);
  if (!existsSync(absolute)) return;
  if (!statSync(absolute).isDirectory()) throw new UsageError(`--out "${root}" is a file, not a folder. Pick a new folder.`);
  if (readdirSync(absolute).length > 0) {
    const resumable = existsSync(join(absolute, 'config.json')) && existsSync(join(absolute, 'checkpoints'));
    throw new UsageError(`--out "${root}" already holds files. Pick a new folder${resumable ? `, or continue that run with --resume "${root}"` : ''}.`);
  }
}

/** Creates a fresh run folder (0755 under the usual umask); refuses one that already holds files. */
export function createRunDirectory(root: string, config: unknown): RunDirectory {
  const run = runDirectory(root);
  assertFreshRunFolder(root);
  mkdirSync(run.checkpoints, { recursive: true });
  writeFileSync(run.config, `${JSON.stringify(config, null, 2)}\n`);
  return run;
}

/**
 * The run folder to continue from `--resume PATH`: PATH is a run folder, or its
 * `checkpoints/last` (or `best`) folder.
 */
export function findRunToResume(path: string, command = 'train'): RunDirectory {
  for (const candidate of [path, join(path, '..', '..')]) {
    const run = runDirectory(candidate);
    if (existsSync(run.config) && existsSync(join(run.checkpoints, 'last', 'trainer-state.json'))) return run;
    if (existsSync(run.config) && existsSync(join(run.checkpoints, 'last.previous', 'trainer-state.json'))) return run;
  }
  throw new UsageError(`--resume "${path}" is not a run folder of digitlab ${command} (it needs config.json and checkpoints/last/). Pass the folder a previous ${command} printed.`);
}

/** Reads the run's config.json. */
export function readRunConfig<T>(run: RunDirectory): T {
  return JSON.parse(readFileSync(run.config, 'utf8')) as T;
}

/** Appends one JSON line to metrics.jsonl. */
export function appendMetrics(run: RunDirectory, record: Record<string, unknown>): void {
  appendFileSync(run.metrics, `${JSON.stringify({ time: new Date().toISOString(), ...record })}\n`);
}
