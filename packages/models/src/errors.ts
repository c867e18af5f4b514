/**
 * Errors thrown by @digitlab/models. Every one carries the shared `Symbol.for('digitlab.error')`
 * marker, so `isInstance` checks work across duplicated package copies (as in vercel/ai).
 */
const marker = Symbol.for('digitlab.error');
const modelsMarker = Symbol.for('digitlab.models.error');

/** Base class of every error this package throws. */
export class ModelsError extends Error {
  override name = 'ModelsError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    Object.defineProperty(this, marker, { value: true });
    Object.defineProperty(this, modelsMarker, { value: true });
  }

  /** True for any error thrown by @digitlab/models, even from another copy of the package. */
  static isInstance(error: unknown): error is ModelsError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[modelsMarker] === true;
  }
}

/** A model name, layer name or option that does not exist or is out of range. */
export class ModelOptionError extends ModelsError {
  override name = 'ModelOptionError';
}

/** A saved model folder that cannot be read safely: missing, malformed, or unsafe files. */
export class ModelFormatError extends ModelsError {
  override name = 'ModelFormatError';
  /** The file (or folder) at fault. */
  readonly path: string;
  constructor(path: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.path = path;
  }
}

/** Pretrained weights that are not shipped with this version of the package. */
export class PretrainedNotFoundError extends ModelsError {
  override name = 'PretrainedNotFoundError';
}
