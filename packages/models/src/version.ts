/**
 * This package's version, recorded in every `digitlab.json`. A constant rather than a read of
 * package.json so the module also works in browsers; a test keeps it equal to package.json.
 * @internal
 */
export const packageVersion = '0.1.0';
