import { BackendError } from '@digitlab/backend';

const wasmBackendErrorMarker = Symbol.for('digitlab.backend.WasmBackendError');

/**
 * The error @digitlab/backend-wasm throws when the wasm engine cannot be set up or used. A
 * `BackendError`, so `BackendError.isInstance(error)` (and the digitlab error marker) hold for it too.
 */
export class WasmBackendError extends BackendError {
  override name = 'WasmBackendError';
  private readonly [wasmBackendErrorMarker] = true;

  /** True for a WasmBackendError from any copy of this package. */
  static override isInstance(error: unknown): error is WasmBackendError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[wasmBackendErrorMarker] === true;
  }
}
