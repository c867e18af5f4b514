import * as tf from '@tensorflow/tfjs-core';
import { BackendError } from './errors.js';

/**
 * Makes an already registered tfjs backend current through tfjs-core's own registry
 * (`tf.setBackend` + `tf.ready`), and checks it really is. Plugins call this at the end of `load()`
 * so every switch of the global backend goes through one place.
 */
export async function activateTfjsBackend(tfjsBackendName: string): Promise<void> {
  if (tf.findBackendFactory(tfjsBackendName) === null) {
    throw new BackendError(
      `tfjs backend "${tfjsBackendName}" is not registered. Registered: ${tf.engine().backendNames().join(', ') || 'none'}. ` +
        'Import the package that registers it before activating it.',
    );
  }
  let succeeded: boolean;
  try {
    succeeded = await tf.setBackend(tfjsBackendName);
    await tf.ready();
  } catch (error) {
    throw new BackendError(`tfjs backend "${tfjsBackendName}" failed to initialise: ${(error as Error).message}`, { cause: error });
  }
  if (!succeeded || tf.getBackend() !== tfjsBackendName) {
    throw new BackendError(
      `tfjs backend "${tfjsBackendName}" failed to initialise (tf.setBackend returned ${String(succeeded)}, current is "${tf.getBackend()}"). ` +
        'See the warning tfjs printed above for the cause.',
    );
  }
}

/**
 * Restores `previous` as the current tfjs backend after an engine package switched it on import
 * (tfjs-node does). Does nothing when no backend was current before.
 */
export async function restoreTfjsBackend(previous: string | null | undefined): Promise<void> {
  if (!previous || tf.getBackend() === previous || tf.findBackendFactory(previous) === null) return;
  await tf.setBackend(previous);
}

/** The name of the current tfjs backend, or `null` when none was chosen yet (never initialises one). */
export function currentTfjsBackend(): string | null {
  // `tf.getBackend()` reads the engine's field without initialising anything; it is undefined before
  // the first selection.
  return (tf.getBackend() as string | undefined) ?? null;
}
