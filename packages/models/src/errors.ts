/**
 * Errors thrown by @digitlab/models. They all extend {@link ModelsError}, a `DigitlabError`
 * (@digitlab/errors): each has a `code`, and an `isInstance` true for its own kind only, across
 * duplicated package copies (as in vercel/ai).
 */
import { DigitlabError } from '@digitlab/errors';

const modelsMarker = 'digitlab.error.ModelsError';
const modelsSymbol = Symbol.for(modelsMarker);
const optionMarker = 'digitlab.error.ModelOptionError';
const optionSymbol = Symbol.for(optionMarker);
const formatMarker = 'digitlab.error.ModelFormatError';
const formatSymbol = Symbol.for(formatMarker);
const pretrainedMarker = 'digitlab.error.PretrainedNotFoundError';
const pretrainedSymbol = Symbol.for(pretrainedMarker);

/** Base class of every error this package throws. */
export class ModelsError extends DigitlabError {
  private readonly [modelsSymbol] = true;
  override name = 'ModelsError';
  override readonly code: string = 'MODELS_ERROR';

  /** True for any error thrown by @digitlab/models, even from another copy of the package. */
  static override isInstance(error: unknown): error is ModelsError {
    return DigitlabError.hasMarker(error, modelsMarker);
  }
}

/** A model name, layer name or option that does not exist or is out of range (the caller's mistake). */
export class ModelOptionError extends ModelsError {
  private readonly [optionSymbol] = true;
  override name = 'ModelOptionError';
  override readonly code: string = 'MODELS_OPTION';

  /** True for a ModelOptionError, even from another copy of the package. */
  static override isInstance(error: unknown): error is ModelOptionError {
    return DigitlabError.hasMarker(error, optionMarker);
  }
}

/** A saved model folder that cannot be read safely: missing, malformed, or unsafe files. */
export class ModelFormatError extends ModelsError {
  private readonly [formatSymbol] = true;
  override name = 'ModelFormatError';
  override readonly code: string = 'MODELS_FORMAT';

  /** True for a ModelFormatError, even from another copy of the package. */
  static override isInstance(error: unknown): error is ModelFormatError {
    return DigitlabError.hasMarker(error, formatMarker);
  }

  /** The file (or folder) at fault. */
  readonly path: string;
  constructor(path: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.path = path;
  }
}

/** Pretrained weights that are not shipped with this version of the package (the caller named them). */
export class PretrainedNotFoundError extends ModelsError {
  private readonly [pretrainedSymbol] = true;
  override name = 'PretrainedNotFoundError';
  override readonly code: string = 'MODELS_PRETRAINED_NOT_FOUND';

  /** True for a PretrainedNotFoundError, even from another copy of the package. */
  static override isInstance(error: unknown): error is PretrainedNotFoundError {
    return DigitlabError.hasMarker(error, pretrainedMarker);
  }
}
