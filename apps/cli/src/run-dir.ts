/**
 * The run folder of `digitlab train` and `digitlab finetune`: `config.json` (the resolved configuration), `metrics.jsonl`
 * (one JSON line per epoch and per evaluation), `checkpoints/{best,last}/` and the final `model/`.
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from './cli-support.js';
import { assertWritableFolder } from './writable-folder.js';

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
 * Refuses an `--out` that already holds files (another run's results), is not a folder, or cannot
 * be created (see {@link assertWritableFolder}), before anything is created: called first, so a run
 * that fails to start leaves nothing behind.
 */
export function assertFreshRunFolder(root: string, flag = '--out'): void {
  const absolute = resolve(root);
  if (existsSync(absolute)) {
    if (!statSync(absolute).isDirectory()) throw new UsageError(`${flag} "${root}" is a file, not a folder. Pick a new folder.`);
    if (readdirSync(absolute).length > 0) {
      const resumable = resumableCheckpoint(runDirectory(absolute)) !== undefined;
      throw new UsageError(`${flag} "${root}" already holds files. Pick a new folder${resumable ? `, or continue that run with --resume "${root}"` : ''}.`);
    }
  }
  assertWritableFolder(root, flag);
}

/** Creates a fresh run folder (0755 under the usual umask); refuses one that already holds files. */
export function createRunDirectory(root: string, config: unknown): RunDirectory {
  const run = runDirectory(root);
  assertFreshRunFolder(root);
  // config.json first and whole (written aside, then renamed): a folder killed here is either
  // empty or holds a complete config.json.
  mkdirSync(run.root, { recursive: true });
  const temporary = join(run.root, `.config.tmp-${process.pid}-${Date.now()}`);
  writeFileSync(temporary, `${JSON.stringify(config, null, 2)}\n`);
  renameSync(temporary, run.config);
  mkdirSync(run.checkpoints, { recursive: true });
  return run;
}

/** A checkpoint a run can continue from. */
export type ResumableCheckpoint = 'last' | 'best';

/**
 * The checkpoint of `run` to resume from: `last` when it is complete, else `best` (a kill during
 * the first `last` write can leave `best` as the only complete one). A checkpoint folder is
 * complete once renamed into place, so its trainer-state.json (written last) marks it; the
 * `.previous` copy that a crash between the two renames of a save leaves counts too.
 */
export function resumableCheckpoint(run: RunDirectory, { except }: { except?: ResumableCheckpoint } = {}): ResumableCheckpoint | undefined {
  const complete = (name: ResumableCheckpoint) => existsSync(join(run.checkpoints, name, 'trainer-state.json')) || existsSync(join(run.checkpoints, `${name}.previous`, 'trainer-state.json'));
  return (['last', 'best'] as const).find((name) => name !== except && existsSync(run.config) && complete(name));
}

/**
 * The run folder to continue from `--resume PATH`: PATH is a run folder, or its
 * `checkpoints/last` (or `best`) folder; it needs config.json and one complete checkpoint.
 */
export function findRunToResume(path: string, command = 'train'): RunDirectory & { checkpoint: ResumableCheckpoint } {
  for (const candidate of [path, join(path, '..', '..')]) {
    const run = runDirectory(candidate);
    const checkpoint = resumableCheckpoint(run);
    if (checkpoint) return { ...run, checkpoint };
  }
  const run = runDirectory(path);
  if (existsSync(run.config)) {
    throw new UsageError(`--resume "${path}" has no complete checkpoint (checkpoints/last/ or checkpoints/best/ with trainer-state.json): the run stopped before its first checkpoint. Start it again with a new --out.`);
  }
  throw new UsageError(`--resume "${path}" is not a run folder of digitlab ${command} (it needs config.json and checkpoints/last/ or checkpoints/best/). Pass the folder a previous ${command} printed.`);
}

/**
 * Temporary folders of an interrupted atomic write: `.last.tmp-PID-TIME` (checkpoints, which name
 * their writer) and `.model.tmp-UUID` (models).
 */
const temporaryFolder = /^\.[\w-]+\.tmp-(?:(\d+)-\d+|[\da-f-]{36})$/;

/**
 * Removes what a killed process left half-written in `run`: temporary checkpoint and model
 * folders whose writer is no longer alive (a model's temp folder names none: only the run's own
 * process writes its model). Returns the paths removed.
 */
export function removeStaleTemporaries(run: RunDirectory): string[] {
  const removed: string[] = [];
  for (const folder of [run.root, run.checkpoints]) {
    if (!existsSync(folder)) continue;
    for (const name of readdirSync(folder)) {
      const match = temporaryFolder.exec(name);
      if (!match || (match[1] !== undefined && processAlive(Number(match[1])))) continue;
      rmSync(join(folder, name), { recursive: true, force: true });
      removed.push(join(folder, name));
    }
  }
  return removed;
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reads the run's config.json. */
export function readRunConfig<T>(run: RunDirectory): T {
  return JSON.parse(readFileSync(run.config, 'utf8')) as T;
}

/** Appends one JSON line to metrics.jsonl. */
/**
 * Drops from `metrics.jsonl` the epoch lines of epochs that the checkpoint a run resumes from does
 * not hold (`fit` logs an epoch just before committing its checkpoint, so a killed run can have
 * logged an epoch it will redo) and any line a kill cut short. Rewritten whole (temp + rename).
 * @returns how many lines were dropped
 */
export function trimMetrics(run: RunDirectory, completedEpochs: number): number {
  const file = run.metrics;
  if (!existsSync(file)) return 0;
  const lines = readFileSync(file, 'utf8').split('\n').filter((line) => line.trim() !== '');
  const kept = lines.filter((line) => {
    try {
      const record = JSON.parse(line) as { type?: unknown; epoch?: unknown };
      return !(record.type === 'epoch' && typeof record.epoch === 'number' && record.epoch >= completedEpochs);
    } catch {
      return false;
    }
  });
  if (kept.length === lines.length) return 0;
  const temporary = `${file}.tmp-${process.pid}`;
  writeFileSync(temporary, kept.map((line) => `${line}\n`).join(''));
  renameSync(temporary, file);
  return lines.length - kept.length;
}

export function appendMetrics(run: RunDirectory, record: Record<string, unknown>): void {
  appendFileSync(run.metrics, `${JSON.stringify({ time: new Date().toISOString(), ...record })}\n`);
}
