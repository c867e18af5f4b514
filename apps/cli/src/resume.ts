/**
 * Continuing a run folder: which checkpoint to load (after clearing what a killed process left
 * half-written), and what to tell the user when a signal stops a run.
 */
import { join } from 'node:path';
import { folderCheckpointStore, readTrainerState } from '@digitlab/trainer/node';
import { DigitlabError } from '@digitlab/errors';
import type { Logger } from './cli-support.js';
import { UsageError } from './exit-codes.js';
import type { StopSignal } from './interrupt.js';
import { removeStaleTemporaries, resumableCheckpoint, trimMetrics, type ResumableCheckpoint, type RunDirectory } from './run-dir.js';

/**
 * The checkpoint of `run` to resume from, read once to check it: the one `findRunToResume`
 * chose, or the other complete one when that cannot be read (a damaged `last/` falls back to
 * `best/`, said on stderr). Stale temporary folders are removed first, and `metrics.jsonl` keeps only
 * the epochs that checkpoint holds (the resumed run logs the others again).
 */
export async function usableCheckpoint(run: RunDirectory & { checkpoint: ResumableCheckpoint }, logger: Logger): Promise<ResumableCheckpoint> {
  for (const path of removeStaleTemporaries(run)) logger.info(`removed ${path} (left half-written by a process that was killed)`);
  const store = folderCheckpointStore(run.checkpoints);
  let name: ResumableCheckpoint | undefined = run.checkpoint;
  const failures: string[] = [];
  while (name) {
    try {
      const { state } = await store.load(name);
      const dropped = trimMetrics(run, state.epoch);
      if (dropped > 0) logger.info(`metrics.jsonl: dropped ${dropped} line(s) of epochs checkpoints/${name} does not hold (they run again)`);
      return name;
    } catch (error) {
      if (!DigitlabError.isInstance(error)) throw error;
      failures.push(error.message);
      const other = resumableCheckpoint(run, { except: name });
      if (other && !failures.some((message) => message.includes(join(run.checkpoints, other)))) {
        logger.warn(`checkpoints/${name} cannot be read (${error.message}); resuming from checkpoints/${other} instead.`);
        name = other;
      } else {
        name = undefined;
      }
    }
  }
  throw new UsageError(`--resume "${run.root}": no checkpoint of this run can be read (${failures.join('; ')}). Start the run again with a new --out.`);
}

/** Says on stderr where a run stopped by `signal` stands (from the checkpoint it wrote) and the command that continues it. */
export async function reportInterrupted(logger: Logger, signal: StopSignal, run: RunDirectory, command: string): Promise<void> {
  const { directory, state } = await readTrainerState(join(run.checkpoints, 'last'));
  logger.error(
    `${signal}: stopped after step ${state.step} (${state.epoch} epochs complete); checkpoint written to ${directory}.\n` +
      `Continue with: digitlab ${command} --resume ${/\s/.test(run.root) ? JSON.stringify(run.root) : run.root}`,
  );
}
