/**
 * Errors of the backend layer. Every digitlab error carries the shared `Symbol.for('digitlab.error')`
 * marker so `isInstance` works across duplicated package copies (vercel/ai `AISDKError`).
 */

const digitlabErrorMarker = Symbol.for('digitlab.error');
const backendErrorMarker = Symbol.for('digitlab.backend.error');
const noBackendMarker = Symbol.for('digitlab.backend.NoBackendAvailableError');
const unknownBackendMarker = Symbol.for('digitlab.backend.UnknownBackendError');
const invalidPluginMarker = Symbol.for('digitlab.backend.InvalidPluginError');
const tensorLeakMarker = Symbol.for('digitlab.backend.TensorLeakError');

function hasMarker(error: unknown, marker: symbol): boolean {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[marker] === true;
}

/** Base class of every error thrown by `@digitlab/backend` and its plugins. */
export class BackendError extends Error {
  override name = 'BackendError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    Object.defineProperty(this, digitlabErrorMarker, { value: true });
    Object.defineProperty(this, backendErrorMarker, { value: true });
  }

  /** True for any BackendError, even one created by another copy of this package. */
  static isInstance(error: unknown): error is BackendError {
    return hasMarker(error, backendErrorMarker);
  }
}

/** One plugin that selection tried (or could not try), and why it did not become the backend. */
export interface SkippedBackend {
  /** Plugin name. */
  name: string;
  /** Why it was skipped: what `detect()` reported, or the message `load()` failed with. */
  reason: string;
  /** The command that would make it available, when one is known. */
  fix?: string;
}

/**
 * Nothing in the preference could be loaded. The message lists every plugin tried with its reason
 * and fix, onnxruntime-style: `no available backend found. ERR: [cuda] …, [tensorflow] …`.
 */
export class NoBackendAvailableError extends BackendError {
  override name = 'NoBackendAvailableError';
  private readonly [noBackendMarker] = true;

  /** True for a NoBackendAvailableError, even one created by another copy of this package. */
  static override isInstance(error: unknown): error is NoBackendAvailableError {
    return hasMarker(error, noBackendMarker);
  }

  /** Every plugin tried, in the order tried. */
  readonly attempts: readonly SkippedBackend[];
  constructor(attempts: readonly SkippedBackend[], options?: ErrorOptions) {
    const listed = attempts.map((attempt) => `[${attempt.name}] ${attempt.reason}${attempt.fix ? ` (fix: ${attempt.fix})` : ''}`);
    const detail = listed.length > 0 ? listed.join(', ') : 'no plugin was registered for this platform';
    super(`no available backend found. ERR: ${detail}`, options);
    this.attempts = attempts;
  }
}

/** A backend name that no registered plugin has. */
export class UnknownBackendError extends BackendError {
  override name = 'UnknownBackendError';
  private readonly [unknownBackendMarker] = true;

  /** True for a UnknownBackendError, even one created by another copy of this package. */
  static override isInstance(error: unknown): error is UnknownBackendError {
    return hasMarker(error, unknownBackendMarker);
  }

  readonly requested: string;
  readonly validNames: readonly string[];
  constructor(requested: string, validNames: readonly string[]) {
    super(`Unknown backend: "${requested}". Should be one of: ${['auto', ...validNames].join(', ')}`);
    this.requested = requested;
    this.validNames = validNames;
  }
}

/** A plugin broke the contract (wrong specification version, duplicate name, ...). */
export class InvalidPluginError extends BackendError {
  override name = 'InvalidPluginError';
  private readonly [invalidPluginMarker] = true;

  /** True for a InvalidPluginError, even one created by another copy of this package. */
  static override isInstance(error: unknown): error is InvalidPluginError {
    return hasMarker(error, invalidPluginMarker);
  }

}

/** A block of work left tensors allocated that it should have disposed. */
export class TensorLeakError extends BackendError {
  override name = 'TensorLeakError';
  private readonly [tensorLeakMarker] = true;

  /** True for a TensorLeakError, even one created by another copy of this package. */
  static override isInstance(error: unknown): error is TensorLeakError {
    return hasMarker(error, tensorLeakMarker);
  }

  /** How many more tensors were alive after the block than before. */
  readonly leaked: number;
  constructor(label: string, leaked: number, backendName: string | null) {
    super(
      `${label} leaked ${leaked} tensor${leaked === 1 ? '' : 's'} on backend "${backendName ?? 'none'}". ` +
        'Wrap the work in tf.tidy() or dispose() the tensors it creates.',
    );
    this.leaked = leaked;
  }
}
