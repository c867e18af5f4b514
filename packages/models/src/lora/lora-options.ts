import { ModelOptionError } from '../errors.js';

/** Validates LoRA hyper-parameters, naming the bad value. @internal */
export function checkLoraOptions(rank: unknown, alpha: unknown, dropout: unknown): void {
  if (typeof rank !== 'number' || !Number.isInteger(rank) || rank <= 0) {
    throw new ModelOptionError(`LoRA rank must be a positive integer (typical: 4, 8, 16), got ${JSON.stringify(rank)}`);
  }
  if (typeof alpha !== 'number' || !Number.isFinite(alpha) || alpha <= 0) {
    throw new ModelOptionError(`LoRA alpha must be a positive number (default: the rank, so scale = alpha / rank = 1), got ${JSON.stringify(alpha)}`);
  }
  if (typeof dropout !== 'number' || !(dropout >= 0 && dropout < 1)) {
    throw new ModelOptionError(`LoRA dropout must be in [0, 1), got ${JSON.stringify(dropout)}`);
  }
}
