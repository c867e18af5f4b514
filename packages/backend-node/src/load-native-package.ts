import { activateTfjsBackend, BackendError, currentTfjsBackend, restoreTfjsBackend } from '@digitlab/backend';
import { pathToFileURL } from 'node:url';
import { patchRemovedNodeUtil, rebuildCommand, type NativePackageStatus } from './native-package.js';

/** A native package that was inspected as usable and failed anyway when imported. */
export class NativeLoadError extends BackendError {
  override name = 'NativeLoadError';
}

/**
 * Imports an inspected tfjs-node style package and makes `tfjsBackendName` current through the
 * registry. Importing tfjs-node calls `tf.setBackend('tensorflow')` behind everyone's back, so the
 * backend that was current before is put back first and the switch is then made explicitly.
 * `explainFailure` turns the import error into advice (the CUDA plugin names missing libraries).
 */
export async function loadNativePackage(
  status: NativePackageStatus,
  tfjsBackendName: string,
  explainFailure: (message: string) => string = (message) => `run: ${rebuildCommand(status.packageName)}`,
): Promise<void> {
  if (status.problem || !status.entryPath) {
    throw new NativeLoadError(`${status.problem?.reason ?? `${status.packageName} not found`}. Fix: ${status.problem?.fix ?? `npm install ${status.packageName}`}`);
  }
  const previous = currentTfjsBackend();
  await patchRemovedNodeUtil();
  try {
    await import(pathToFileURL(status.entryPath).href);
  } catch (error) {
    const message = (error as Error).message;
    throw new NativeLoadError(`importing ${status.packageName} from ${status.entryPath} failed: ${message}. ${explainFailure(message)}`, { cause: error });
  }
  await restoreTfjsBackend(previous);
  await activateTfjsBackend(tfjsBackendName);
}
