/** The error every @digitlab/viz function throws for bad input: it names the value and the fix. */
const marker = Symbol.for('digitlab.error');

/** A bad argument to a viz computation or renderer (unknown layer, wrong shape, empty data). */
export class VizError extends Error {
  override name = 'VizError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    Object.defineProperty(this, marker, { value: true });
  }

  /** True for a VizError from any copy of this package. */
  static isInstance(error: unknown): error is VizError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[marker] === true && (error as Error).name === 'VizError';
  }
}
