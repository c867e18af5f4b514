/**
 * The base class of every error a digitlab package throws (vercel/ai's `AISDKError` pattern).
 * Each class marks its instances with `Symbol.for('digitlab.error…')` keys, so `isInstance` answers
 * correctly even when two copies of a package (two versions, or ESM and a bundle) are loaded and
 * `instanceof` would fail. `code` is a stable string a program can branch on; messages are for people.
 */

const marker = 'digitlab.error';
const symbol = Symbol.for(marker);

/** Base class of every digitlab error. */
export class DigitlabError extends Error {
  private readonly [symbol] = true;
  override name = 'DigitlabError';
  /**
   * A stable identifier of the kind of error, `PACKAGE_KIND` in upper snake case (e.g.
   * `DATASETS_CSV_FORMAT`). Each subclass declares its own as a field
   * (`override readonly code: string = 'DATASETS_CSV_FORMAT'`); the CLI maps codes to exit codes.
   */
  readonly code: string = 'DIGITLAB_ERROR';

  /** True for an error thrown by any digitlab package, from any copy of it. */
  static isInstance(error: unknown): error is DigitlabError {
    return DigitlabError.hasMarker(error, marker);
  }

  /**
   * True when `error` carries `Symbol.for(markerName)`. Each subclass declares
   * `private readonly [Symbol.for('digitlab.error.<Name>')] = true` and answers `isInstance` with
   * `hasMarker(error, 'digitlab.error.<Name>')`, so it is true for its own kind (and subclasses) only.
   */
  protected static hasMarker(error: unknown, markerName: string): boolean {
    const key = Symbol.for(markerName);
    return typeof error === 'object' && error !== null && key in error && (error as Record<symbol, unknown>)[key] === true;
  }
}
