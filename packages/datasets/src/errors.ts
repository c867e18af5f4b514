/**
 * Errors thrown by @digitlab/datasets. They all extend {@link DatasetError}, a `DigitlabError`
 * (@digitlab/errors): each has a `code`, and an `isInstance` true for its own kind only, across
 * duplicated package copies.
 */
import { DigitlabError } from '@digitlab/errors';

const datasetMarker = 'digitlab.error.DatasetError';
const datasetSymbol = Symbol.for(datasetMarker);
const optionMarker = 'digitlab.error.DatasetOptionError';
const optionSymbol = Symbol.for(optionMarker);
const idxMarker = 'digitlab.error.IdxFormatError';
const idxSymbol = Symbol.for(idxMarker);
const checksumMarker = 'digitlab.error.ChecksumError';
const checksumSymbol = Symbol.for(checksumMarker);
const unavailableMarker = 'digitlab.error.DatasetUnavailableError';
const unavailableSymbol = Symbol.for(unavailableMarker);
const csvMarker = 'digitlab.error.CsvFormatError';
const csvSymbol = Symbol.for(csvMarker);
const imageMarker = 'digitlab.error.ImageError';
const imageSymbol = Symbol.for(imageMarker);

/** Base class of every error this package throws. */
export class DatasetError extends DigitlabError {
  private readonly [datasetSymbol] = true;
  override name = 'DatasetError';
  override readonly code: string = 'DATASETS_ERROR';

  /** True for any error thrown by this package, even from another copy of it. */
  static override isInstance(error: unknown): error is DatasetError {
    return DigitlabError.hasMarker(error, datasetMarker);
  }
}

/** An option given to a function of this package is unknown or out of range (the caller's mistake). */
export class DatasetOptionError extends DatasetError {
  private readonly [optionSymbol] = true;
  override name = 'DatasetOptionError';
  override readonly code: string = 'DATASETS_OPTION';

  /** True for a DatasetOptionError, even from another copy of this package. */
  static override isInstance(error: unknown): error is DatasetOptionError {
    return DigitlabError.hasMarker(error, optionMarker);
  }
}

/** A file is not a valid IDX file, or not the IDX file that was expected. */
export class IdxFormatError extends DatasetError {
  private readonly [idxSymbol] = true;
  override name = 'IdxFormatError';
  override readonly code: string = 'DATASETS_IDX_FORMAT';

  /** True for an IdxFormatError, even from another copy of this package. */
  static override isInstance(error: unknown): error is IdxFormatError {
    return DigitlabError.hasMarker(error, idxMarker);
  }

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
  private readonly [checksumSymbol] = true;
  override name = 'ChecksumError';
  override readonly code: string = 'DATASETS_CHECKSUM';

  /** True for a ChecksumError, even from another copy of this package. */
  static override isInstance(error: unknown): error is ChecksumError {
    return DigitlabError.hasMarker(error, checksumMarker);
  }

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
  private readonly [unavailableSymbol] = true;
  override name = 'DatasetUnavailableError';
  override readonly code: string = 'DATASETS_UNAVAILABLE';

  /** True for a DatasetUnavailableError, even from another copy of this package. */
  static override isInstance(error: unknown): error is DatasetUnavailableError {
    return DigitlabError.hasMarker(error, unavailableMarker);
  }

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
  private readonly [csvSymbol] = true;
  override name = 'CsvFormatError';
  override readonly code: string = 'DATASETS_CSV_FORMAT';

  /** True for a CsvFormatError, even from another copy of this package. */
  static override isInstance(error: unknown): error is CsvFormatError {
    return DigitlabError.hasMarker(error, csvMarker);
  }

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
  private readonly [imageSymbol] = true;
  override name = 'ImageError';
  override readonly code: string = 'DATASETS_IMAGE';

  /** True for an ImageError, even from another copy of this package. */
  static override isInstance(error: unknown): error is ImageError {
    return DigitlabError.hasMarker(error, imageMarker);
  }

  constructor(
    message: string,
    readonly path: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
