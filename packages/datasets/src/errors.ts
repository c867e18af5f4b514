/**
 * Errors thrown by @digitlab/datasets. They all extend {@link DatasetError}, which carries the
 * shared `Symbol.for('digitlab.error')` marker so `isInstance` works across duplicated package copies.
 */

const marker = Symbol.for('digitlab.error');
const datasetMarker = Symbol.for('digitlab.datasets.error');

/** Base class of every error this package throws. */
export class DatasetError extends Error {
  override name = 'DatasetError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    Object.defineProperty(this, marker, { value: true });
    Object.defineProperty(this, datasetMarker, { value: true });
  }

  /** True for any error thrown by this package, even from another copy of it. */
  static isInstance(error: unknown): error is DatasetError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[datasetMarker] === true;
  }
}

/** A file is not a valid IDX file, or not the IDX file that was expected. */
export class IdxFormatError extends DatasetError {
  override name = 'IdxFormatError';
  constructor(
    message: string,
    /** The file (or name) that was being read. */
    readonly file: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A file's SHA-256 does not match the known hash. */
export class ChecksumError extends DatasetError {
  override name = 'ChecksumError';
  constructor(
    message: string,
    readonly file: string,
    readonly expected: string,
    readonly actual: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** No configured source could provide an MNIST file; `attempts` says what each source answered. */
export class DatasetUnavailableError extends DatasetError {
  override name = 'DatasetUnavailableError';
  constructor(
    message: string,
    readonly file: string,
    readonly attempts: readonly { source: string; reason: string }[],
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A Kaggle-style CSV file is malformed; `line` and `column` are 1-based. */
export class CsvFormatError extends DatasetError {
  override name = 'CsvFormatError';
  constructor(
    message: string,
    readonly file: string,
    readonly line: number,
    readonly column: number | undefined,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** An image cannot be read: not an image, empty, unsupported format, too large, or no ink in it. */
export class ImageError extends DatasetError {
  override name = 'ImageError';
  constructor(
    message: string,
    readonly path: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
