/**
 * The one place that decides a command's exit code from what it threw: 0 ok, 1 failure, 2 bad
 * usage. It reads the error's `code` (every digitlab error is a `DigitlabError` with one), never
 * its message.
 */
import { DigitlabError } from '@digitlab/errors';

/**
 * Exit codes shared by every command; a run stopped by SIGINT or SIGTERM (after writing its
 * checkpoint) exits 128 + the signal number, as shells expect.
 */
export const ExitCode = { ok: 0, failure: 1, usage: 2, interrupted: 130, terminated: 143 } as const;

const usageErrorMarker = 'digitlab.error.UsageError';
const usageErrorSymbol = Symbol.for(usageErrorMarker);

/** A mistake in how the command was called (a flag, a value, a combination): exit code 2. */
export class UsageError extends DigitlabError {
  private readonly [usageErrorSymbol] = true;
  override name = 'UsageError';
  override readonly code: string = 'CLI_USAGE';

  /** True for a UsageError, even from another copy of the CLI. */
  static override isInstance(error: unknown): error is UsageError {
    return DigitlabError.hasMarker(error, usageErrorMarker);
  }
}

/**
 * Library error codes that mean the caller asked for something that does not exist or is out of
 * range. In the CLI every such option comes from a flag, so they are usage errors like CLI_USAGE.
 */
const usageCodes: ReadonlySet<string> = new Set([
  'CLI_USAGE',
  'BACKEND_UNKNOWN',
  'DATASETS_OPTION',
  'MODELS_OPTION',
  'MODELS_PRETRAINED_NOT_FOUND',
  'TRAINER_OPTION',
  'TRAINER_FINETUNE',
]);

/** The exit code for `error`: 2 for usage codes, 1 for anything else. */
export function exitCodeFor(error: unknown): 1 | 2 {
  return DigitlabError.isInstance(error) && usageCodes.has(error.code) ? ExitCode.usage : ExitCode.failure;
}
