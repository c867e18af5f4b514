/**
 * `digitlab evaluate --model DIR [--model DIR2 ...]` — accuracy, loss, per-class precision /
 * recall / F1 and the confusion matrix on the 10,000-image MNIST test set. Several models are
 * evaluated as one ensemble (mean of their softmax probabilities), each member alone beside it, and
 * the mistakes every member shares. Every misclassified test image is listed by its index in the
 * MNIST test files (the text output shows the most confident 20).
 */
import { createBatches, loadMnist } from '@digitlab/datasets/node';
import { evaluate, evaluateEnsemble, formatClassificationReport, type EnsembleEvaluation, type Misclassified } from '@digitlab/trainer/node';
import { chooseBackend } from '../backends.js';
import { UsageError, createLogger, numberFlag, parseCommandArgs, runCommand, writeJson } from '../cli-support.js';
import { loadPredictor } from '../model-input.js';

const usage = `usage: digitlab evaluate --model DIR [--model DIR ...] [options]

Evaluates a saved model (several: their ensemble, and each member alone) on the MNIST test set.
  --model DIR      a model folder (model.json + digitlab.json), e.g. runs/<run>/model; repeat to ensemble
  --batch-size B   images per forward pass (default 1000)
  --backend NAME   auto|wasm|cpu|tensorflow|cuda (default auto)
  --threads N      wasm worker threads
  --seed S         accepted for uniformity; evaluation is deterministic
  --config FILE    JSON file whose keys match these flags
  --json           print one JSON object on stdout
`;

/** Runs `digitlab evaluate`. */
export async function run(argv: string[]): Promise<number> {
  return runCommand('evaluate', argv, usage, async ({ json }) => {
    const { values } = parseCommandArgs(argv, {
      model: { type: 'string', multiple: true },
      'batch-size': { type: 'string' },
      backend: { type: 'string' },
      threads: { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'boolean' },
    });
    const folders = toList(values.model);
    if (folders.length === 0) throw new UsageError('--model DIR is required: the folder of a saved model, e.g. runs/<run>/model');
    const batchSize = numberFlag(values, 'batch-size', 1000, { integer: true, min: 1 });
    const logger = createLogger();
    const selection = await chooseBackend(typeof values.backend === 'string' ? values.backend : undefined, {
      threads: values.threads === undefined ? undefined : numberFlag(values, 'threads', 1, { integer: true, min: 1 }),
      logger,
    });
    const { predictor, members, loaded } = await loadPredictor(folders);
    const { test } = await loadMnist();
    // The predictors apply each model's own normalisation to [0, 1] pixels.
    const batches = createBatches(test, { batchSize, shuffle: false, normalization: 'unit' });
    const ensemble: EnsembleEvaluation | undefined = members.length > 1 ? evaluateEnsemble(members, batches) : undefined;
    const result = ensemble ?? evaluate(predictor, batches);
    loaded.forEach(({ model }) => model.dispose());

    if (json) {
      writeJson({
        models: folders,
        ensemble: folders.length > 1,
        backend: selection.chosen.name,
        size: result.size,
        accuracy: result.accuracy,
        loss: result.loss,
        perClass: result.report.perClass,
        macro: result.report.macro,
        confusionMatrix: result.confusionMatrix,
        misclassified: result.misclassified,
        ...(ensemble
          ? {
              members: ensemble.members.map((member, m) => ({ model: folders[m], accuracy: member.accuracy, loss: member.loss, errors: member.misclassified.length })),
              wrongInEveryMember: ensemble.wrongInEveryMember,
            }
          : {}),
      });
    } else {
      const what = folders.length > 1 ? `ensemble of ${folders.length} models` : folders[0];
      process.stdout.write(
        `${what}: test accuracy ${(100 * result.accuracy).toFixed(2)}% (loss ${result.loss.toFixed(4)}) on ${result.size} images\n` +
          (ensemble ? formatMembers(ensemble, folders) : '') +
          `\n${formatClassificationReport(result.report, result.confusionMatrix)}\n` +
          formatMisclassified(result.misclassified),
      );
    }
  });
}

/** The most confident mistakes first, at most `limit` of them: "index: label → predicted (probability)". */
export function formatMisclassified(misclassified: readonly Misclassified[], limit = 20): string {
  if (misclassified.length === 0) return '';
  const shown = [...misclassified].sort((a, b) => b.probability - a.probability).slice(0, limit);
  const more = misclassified.length - shown.length;
  return (
    `\nmisclassified test images, most confident first (index: label → predicted, its probability):\n` +
    shown.map((m) => `  ${m.index}: ${m.label} → ${m.predicted} (${m.probability.toFixed(3)})`).join('\n') +
    `\n${more > 0 ? `  ... and ${more} more; --json lists all ${misclassified.length}\n` : ''}`
  );
}

/** Each member alone beside the ensemble, and the test images every member gets wrong. */
export function formatMembers(result: EnsembleEvaluation, folders: readonly string[]): string {
  const line = (accuracy: number, errors: number, loss: number, what: string) =>
    `  ${(100 * accuracy).toFixed(2).padStart(6)}%  ${String(errors).padStart(5)} wrong  loss ${loss.toFixed(4)}  ${what}\n`;
  const shared = result.wrongInEveryMember;
  return (
    result.members.map((member, m) => line(member.accuracy, member.misclassified.length, member.loss, folders[m] ?? `member ${m + 1}`)).join('') +
    line(result.accuracy, result.misclassified.length, result.loss, 'ensemble (mean of the probabilities)') +
    `  wrong in every member: ${shared.length}${shared.length > 0 && shared.length <= 30 ? ` (test indices ${shared.join(' ')})` : ''}\n`
  );
}

/** A string flag given once or several times (or from --config) as a list. */
export function toList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  return typeof value === 'string' ? [value] : [];
}
