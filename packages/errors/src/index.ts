/**
 * @digitlab/errors — `DigitlabError`, the base of every digitlab error: a `code` and an
 * `isInstance` that works across package copies. No dependencies, no side effects, Node and browser.
 */
export { DigitlabError } from './digitlab-error.js';
export { describeFileError } from './file-error.js';
