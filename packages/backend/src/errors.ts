/**
 * Errors of the backend layer. They extend `DigitlabError` (@digitlab/errors): each has a `code`
 * and an `isInstance` that is true for its own kind only, across duplicated package copies.
 */
import { DigitlabError } from '@digitlab/errors';

const backendMarker = 'digitlab.error.BackendError';
const noBackendMarker = 'digitlab.error.NoBackendAvailableError';
const unknownBackendMarker = 'digitlab.error.UnknownBackendError';
const invalidPluginMarker = 'digitlab.error.InvalidPluginError';
const tensorLeakMarker = 'digitlab.error.TensorLeakError';
const backendSymbol = Symbol.for(backendMarker);
const noBackendSymbol = Symbol.for(noBackendMarker);
const unknownBackendSymbol = Symbol.for(unknownBackendMarker);
const invalidPluginSymbol = Symbol.for(invalidPluginMarker);
const tensorLeakSymbol = Symbol.for(tensorLeakMarker);

/** Base class of every error thrown by `@digitlab/backend` and its plugins. */
export class BackendError extends DigitlabError {
  private readonly [backendSymbol] = true;
  override name = 'BackendError';
  override readonly code: string = 'BACKEND_ERROR';

  /** True for any BackendError, even one created by another copy of this package. */
  static override isInstance(error: unknown): error is BackendError {
    return DigitlabError.hasMarker(error, backendMarker);
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
  private readonly [noBackendSymbol] = true;
  override name = 'NoBackendAvailableError';
  override readonly code: string = 'BACKEND_NONE_AVAILABLE';

  /** True for a NoBackendAvailableError, even one created by another copy of this package. */
  static override isInstance(error: unknown): error is NoBackendAvailableError {
    return DigitlabError.hasMarker(error, noBackendMarker);
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
  private readonly [unknownBackendSymbol] = true;
  override name = 'UnknownBackendError';
  override readonly code: string = 'BACKEND_UNKNOWN';

  /** True for a UnknownBackendError, even one created by another copy of this package. */
  static override isInstance(error: unknown): error is UnknownBackendError {
    return DigitlabError.hasMarker(error, unknownBackendMarker);
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
  private readonly [invalidPluginSymbol] = true;
  override name = 'InvalidPluginError';
  override readonly code: string = 'BACKEND_INVALID_PLUGIN';

  /** True for a InvalidPluginError, even one created by another copy of this package. */
  static override isInstance(error: unknown): error is InvalidPluginError {
    return DigitlabError.hasMarker(error, invalidPluginMarker);
  }
}

/** A block of work left tensors allocated that it should have disposed. */
export class TensorLeakError extends BackendError {
  private readonly [tensorLeakSymbol] = true;
  override name = 'TensorLeakError';
  override readonly code: string = 'BACKEND_TENSOR_LEAK';

  /** True for a TensorLeakError, even one created by another copy of this package. */
  static override isInstance(error: unknown): error is TensorLeakError {
    return DigitlabError.hasMarker(error, tensorLeakMarker);
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
