/**
 * Ctrl-C and `kill` during training: the first SIGINT or SIGTERM lets the current step finish,
 * then stops the run through the trainer's `control.stop()`, which writes checkpoint `last`; the
 * command then says how to resume and exits 130 (SIGINT) or 143 (SIGTERM). A second signal quits
 * at once (the last checkpoint written stays resumable).
 */
import type { Callback, TrainingControl } from '@digitlab/trainer';
import { ExitCode } from './exit-codes.js';
import type { Logger } from './cli-support.js';

/** The signals a training run turns into a clean stop. */
export type StopSignal = 'SIGINT' | 'SIGTERM';

/** What {@link watchInterrupts} returns. */
export interface InterruptWatch {
  /** Stops the run after the step in flight when a signal has arrived; pass it to `fit`/`finetune`. */
  callback: Callback;
  /** The first signal received, if any. */
  received(): StopSignal | undefined;
  /** Removes the signal handlers (call once training has ended). */
  dispose(): void;
}

/** The exit code of a run stopped by `signal`. */
export function exitCodeForSignal(signal: StopSignal): number {
  return signal === 'SIGINT' ? ExitCode.interrupted : ExitCode.terminated;
}

/** The stop reason the trainer records for `signal`. */
function stopReasonFor(signal: StopSignal): string {
  return `interrupted by ${signal}`;
}

/** Installs SIGINT/SIGTERM handlers for the duration of a training run. */
export function watchInterrupts(logger: Logger): InterruptWatch {
  let received: StopSignal | undefined;
  const handle = (signal: StopSignal) => {
    if (received) {
      logger.warn(`${signal} again: quitting now; the last checkpoint written is kept.`);
      process.exit(exitCodeForSignal(signal));
    }
    received = signal;
    logger.warn(`${signal}: finishing the current step and writing a checkpoint (send it again to quit at once)...`);
  };
  const onInterrupt = () => handle('SIGINT');
  const onTerminate = () => handle('SIGTERM');
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onTerminate);
  const stopIfSignalled = (control: TrainingControl) => {
    if (received) control.stop(stopReasonFor(received));
  };
  return {
    // After a step (fit then writes `last` where it stands) and after an epoch (`last` just written).
    callback: { onBatchEnd: (_logs, control) => stopIfSignalled(control), onEpochEnd: (_logs, control) => stopIfSignalled(control) },
    received: () => received,
    dispose: () => {
      process.off('SIGINT', onInterrupt);
      process.off('SIGTERM', onTerminate);
    },
  };
}
