/** The error @digitlab/backend-wasm throws when the wasm engine cannot be set up or used. */
export class WasmBackendError extends Error {
  override name = 'WasmBackendError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    // The marker every digitlab error carries, so `isInstance` checks work across package copies.
    Object.defineProperty(this, Symbol.for('digitlab.error'), { value: true });
  }

  /** True for a WasmBackendError from any copy of this package. */
  static isInstance(error: unknown): error is WasmBackendError {
    return error instanceof Error && error.name === 'WasmBackendError' && Symbol.for('digitlab.error') in error;
  }
}
