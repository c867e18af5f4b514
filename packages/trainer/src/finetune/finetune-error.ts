import { DigitlabError } from '@digitlab/errors';
import { TrainerOptionError } from '../errors.js';

const finetuneMarker = 'digitlab.error.FinetuneError';
const finetuneSymbol = Symbol.for(finetuneMarker);

/**
 * A fine-tuning request that cannot work as given: an unknown layer or group name, a bad rank or
 * bottleneck, labels that do not fit the model's classes. The message lists the valid choices.
 * It is a {@link TrainerOptionError}: the fix is always in what the caller passed.
 */
export class FinetuneError extends TrainerOptionError {
  private readonly [finetuneSymbol] = true;
  override name = 'FinetuneError';
  override readonly code: string = 'TRAINER_FINETUNE';

  /** True for a FinetuneError, even from another copy of the package. */
  static override isInstance(error: unknown): error is FinetuneError {
    return DigitlabError.hasMarker(error, finetuneMarker);
  }
}
