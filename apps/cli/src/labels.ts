/**
 * Labels are a contract: output k of a model means `metadata.labels[k]` (its `digitlab.json`), never
 * "digit k". Every path that turns outputs into digits goes through these helpers.
 */
import type { DigitDataset } from '@digitlab/datasets/node';
import { UsageError } from './exit-codes.js';

/**
 * Relabels `dataset` (labels index `classes`) so label k is the model's output k: class "7" becomes
 * the index of "7" in `modelLabels`. A class the model does not know is a UsageError naming it.
 */
export function alignToModelLabels(dataset: DigitDataset, classes: readonly string[], modelLabels: readonly string[], what: string): DigitDataset {
  const unknown = classes.filter((name) => !modelLabels.includes(name));
  if (unknown.length > 0) {
    throw new UsageError(
      `${what} has class${unknown.length === 1 ? '' : 'es'} ${unknown.map((name) => `"${name}"`).join(', ')} that the model does not know (its labels: ${modelLabels.join(', ')}). ` +
        'Score it on data of the model\'s classes, or fine-tune the model on these classes first.',
    );
  }
  const toOutput = classes.map((name) => modelLabels.indexOf(name));
  return { ...dataset, labels: dataset.labels.map((label) => toOutput[label]!) };
}

/**
 * The labels every model of an ensemble shares; models whose labels differ (other classes, or the
 * same classes in another output order) cannot be averaged output by output, so they are refused.
 */
export function sharedLabels(models: readonly { name: string; labels: readonly string[] }[]): string[] {
  const [first, ...rest] = models;
  if (!first) throw new UsageError('no model given');
  const differing = rest.filter((model) => model.labels.length !== first.labels.length || model.labels.some((label, k) => label !== first.labels[k]));
  if (differing.length > 0) {
    throw new UsageError(
      `these models cannot be ensembled: their outputs mean different classes. ${[first, ...differing].map((model) => `${model.name} has labels [${model.labels.join(', ')}]`).join('; ')}. ` +
        'Ensemble models with the same labels in the same order (digitlab.json "labels").',
    );
  }
  return [...first.labels];
}
