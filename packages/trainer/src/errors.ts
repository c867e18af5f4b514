/**
 * Errors thrown by @digitlab/trainer. They all extend {@link TrainerError}, a `DigitlabError`
 * (@digitlab/errors): each has a `code`, and an `isInstance` true for its own kind only, across
 * duplicated package copies.
 */
import { DigitlabError } from '@digitlab/errors';

const trainerMarker = 'digitlab.error.TrainerError';
const trainerSymbol = Symbol.for(trainerMarker);
const nonFiniteMarker = 'digitlab.error.NonFiniteLossError';
const nonFiniteSymbol = Symbol.for(nonFiniteMarker);
const checkpointMarker = 'digitlab.error.CheckpointError';
const checkpointSymbol = Symbol.for(checkpointMarker);
const optionMarker = 'digitlab.error.TrainerOptionError';
const optionSymbol = Symbol.for(optionMarker);

/** Base class of every trainer error. */
export class TrainerError extends DigitlabError {
  private readonly [trainerSymbol] = true;
  override name = 'TrainerError';
  override readonly code: string = 'TRAINER_ERROR';

  /** True for an error thrown by @digitlab/trainer (any copy of it), not for other digitlab errors. */
  static override isInstance(error: unknown): error is TrainerError {
    return DigitlabError.hasMarker(error, trainerMarker);
  }
}

/**
 * The loss or the gradient norm became NaN or ±Infinity. The update of that step was not applied,
 * so the model still holds the weights of the last good step.
 */
export class NonFiniteLossError extends TrainerError {
  private readonly [nonFiniteSymbol] = true;
  override name = 'NonFiniteLossError';
  override readonly code: string = 'TRAINER_NON_FINITE_LOSS';

  /** True for a NonFiniteLossError, even from another copy of the package. */
  static override isInstance(error: unknown): error is NonFiniteLossError {
    return DigitlabError.hasMarker(error, nonFiniteMarker);
  }

  constructor(
    /** 0-based index of the update that failed (the number of updates applied before it). */
    readonly step: number,
    /** 0-based epoch of that update. */
    readonly epoch: number,
    /** Which quantity was not finite. */
    readonly quantity: 'loss' | 'gradient norm',
    /** Its value (NaN, Infinity or -Infinity). */
    readonly value: number,
    hint = 'Lower the learning rate, add warm-up or gradient clipping, and resume from the last checkpoint.',
  ) {
    super(`training diverged at step ${step} (epoch ${epoch + 1}): the ${quantity} is ${value}. ${hint}`);
  }
}

/** A checkpoint could not be written or read. */
export class CheckpointError extends TrainerError {
  private readonly [checkpointSymbol] = true;
  override name = 'CheckpointError';
  override readonly code: string = 'TRAINER_CHECKPOINT';

  /** True for a CheckpointError, even from another copy of the package. */
  static override isInstance(error: unknown): error is CheckpointError {
    return DigitlabError.hasMarker(error, checkpointMarker);
  }

  constructor(
    message: string,
    /** The checkpoint directory concerned. */
    readonly directory: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** An option passed to the trainer is out of range or of the wrong kind (the caller's mistake). */
export class TrainerOptionError extends TrainerError {
  private readonly [optionSymbol] = true;
  override name = 'TrainerOptionError';
  override readonly code: string = 'TRAINER_OPTION';

  /** True for a TrainerOptionError, even from another copy of the package. */
  static override isInstance(error: unknown): error is TrainerOptionError {
    return DigitlabError.hasMarker(error, optionMarker);
  }
}
