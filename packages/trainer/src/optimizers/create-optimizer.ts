import { TrainerOptionError } from '../errors.js';
import { adam, adamw } from './adam.js';
import { optimizerNames, type Optimizer, type OptimizerConfig } from './optimizer.js';
import { sgd } from './sgd.js';

/** Builds an optimizer from its JSON config (as stored in a checkpoint). */
export function createOptimizer(config: OptimizerConfig): Optimizer {
  switch (config.name) {
    case 'sgdm':
      return sgd(config);
    case 'adam':
      return adam(config);
    case 'adamw':
      return adamw(config);
    default:
      throw new TrainerOptionError(`unknown optimizer "${String((config as { name: unknown }).name)}". Should be one of: ${optimizerNames.join(', ')}`);
  }
}
