/** Errors thrown by @digitlab/trainer. Each carries the shared `digitlab.error` marker. */

const marker = Symbol.for('digitlab.error');

/** Base class of every trainer error; `TrainerError.isInstance` works across package copies. */
export class TrainerError extends Error {
  override name = 'TrainerError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    Object.defineProperty(this, marker, { value: true });
  }

  /** True for any digitlab error, even one thrown by another copy of this package. */
  static isInstance(value: unknown): value is Error {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[marker] === true;
  }
}

/**
 * The loss or the gradient norm became NaN or ±Infinity. The update of that step was not applied,
 * so the model still holds the weights of the last good step.
 */
export class NonFiniteLossError extends TrainerError {
  override name = 'NonFiniteLossError';
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
  override name = 'CheckpointError';
  constructor(
    message: string,
    /** The checkpoint directory concerned. */
    readonly directory: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** An option passed to the trainer is out of range or of the wrong kind. */
export class TrainerOptionError extends TrainerError {
  override name = 'TrainerOptionError';
}
