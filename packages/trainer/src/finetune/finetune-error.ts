import { TrainerError } from '../errors.js';

/**
 * A fine-tuning request that cannot work as given: an unknown layer or group name, a bad rank or
 * bottleneck, labels that do not fit the model's classes. The message lists the valid choices.
 */
export class FinetuneError extends TrainerError {
  override name = 'FinetuneError';
}
