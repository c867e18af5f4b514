/**
 * `digitlab evaluate --model MODEL [--model MODEL ...] [--data SPEC]` — accuracy, loss, per-class
 * precision / recall / F1 and the confusion matrix, on the MNIST test set or on any `--data` (a CSV,
 * a folder of your images). Outputs are read through each model's labels (`digitlab.json`), so a
 * model whose classes are not 0-9 in order is scored right. Several models are evaluated as one
 * ensemble (mean of their softmax probabilities; they must share their labels), each member alone
 * beside it, and the mistakes every member shares. Every misclassified image is listed by its index
 * in the data (the text output shows the most confident 20).
 */
import { createBatches } from '@digitlab/datasets/node';
import { evaluate, evaluateEnsemble, formatClassificationReport, type EnsembleEvaluation, type Misclassified } from '@digitlab/trainer/node';
import { chooseBackend } from '../backends.js';
import { UsageError, createLogger, numberFlag, parseCommandArgs, runCommand, writeJson } from '../cli-support.js';
import { loadEvaluationData } from '../data-input.js';
import { dataSpecForms, describeDataSpec, parseDataSpec } from '../data-spec.js';
import { alignToModelLabels } from '../labels.js';
import { loadPredictor } from '../model-input.js';
import { describeModelSpec, parseModelSpec } from '../model-spec.js';
import { labelsFlag, toList } from '../flag-values.js';

/** The `--help` text (also read by `digitlab completion` for the flags). */
export const usage = `usage: digitlab evaluate --model MODEL [--model MODEL ...] [--data SPEC] [options]

Scores a saved model (several: their ensemble, and each member alone) on labelled digits.
  --model MODEL    a model folder (e.g. runs/<run>/model) or pretrained:NAME; repeat to ensemble
  --data SPEC      ${dataSpecForms} (default mnist: the 10,000 test images)
  --labels A,B,..  class names of a folder whose sub-folders are not numbers
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
      data: { type: 'string' },
      labels: { type: 'string' },
      'batch-size': { type: 'string' },
      backend: { type: 'string' },
      threads: { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'boolean' },
    });
    const specs = toList(values.model).map((value) => parseModelSpec(value));
    if (specs.length === 0) throw new UsageError('--model is required: a model folder (e.g. runs/<run>/model) or pretrained:NAME');
    const dataSpec = parseDataSpec(typeof values.data === 'string' ? values.data : 'mnist');
    const labels = labelsFlag(values);
    const batchSize = numberFlag(values, 'batch-size', 1000, { integer: true, min: 1 });
    const logger = createLogger();
    const selection = await chooseBackend(typeof values.backend === 'string' ? values.backend : undefined, {
      threads: values.threads === undefined ? undefined : numberFlag(values, 'threads', 1, { integer: true, min: 1 }),
      logger,
    });
    const { predictor, members, loaded, labels: modelLabels } = await loadPredictor(specs);
    const names = specs.map(describeModelSpec);
    let result;
    let ensemble: EnsembleEvaluation | undefined;
    let size: number;
    try {
      const data = await loadEvaluationData(dataSpec, { seed: 0, logger, ...(labels ? { labels } : {}) });
      const dataset = alignToModelLabels(data.dataset, data.classes, modelLabels, `--data ${describeDataSpec(dataSpec)}`);
      size = dataset.size;
      // The predictors apply each model's own normalisation to [0, 1] pixels.
      const batches = createBatches(dataset, { batchSize, shuffle: false, normalization: 'unit', numClasses: modelLabels.length });
      const options = { numClasses: modelLabels.length };
      ensemble = members.length > 1 ? evaluateEnsemble(members, batches, options) : undefined;
      result = ensemble ?? evaluate(predictor, batches, options);
    } finally {
      loaded.forEach(({ model }) => model.dispose());
    }
    const named = (mistakes: readonly Misclassified[]) => mistakes.map((m) => ({ ...m, label: modelLabels[m.label] ?? String(m.label), predicted: modelLabels[m.predicted] ?? String(m.predicted) }));

    if (json) {
      writeJson({
        models: names,
        data: describeDataSpec(dataSpec),
        labels: modelLabels,
        ensemble: names.length > 1,
        backend: selection.chosen.name,
        size: result.size,
        accuracy: result.accuracy,
        loss: result.loss,
        perClass: result.report.perClass.map((entry) => ({ ...entry, name: modelLabels[entry.label] })),
        macro: result.report.macro,
        confusionMatrix: result.confusionMatrix,
        misclassified: named(result.misclassified),
        ...(ensemble
          ? {
              members: ensemble.members.map((member, m) => ({ model: names[m], accuracy: member.accuracy, loss: member.loss, errors: member.misclassified.length })),
              wrongInEveryMember: ensemble.wrongInEveryMember,
            }
          : {}),
      });
    } else {
      const what = names.length > 1 ? `ensemble of ${names.length} models` : names[0];
      process.stdout.write(
        `${what}: accuracy ${(100 * result.accuracy).toFixed(2)}% (loss ${result.loss.toFixed(4)}) on ${size} images of ${describeDataSpec(dataSpec)}\n` +
          (ensemble ? formatMembers(ensemble, names) : '') +
          `\n${formatClassificationReport(result.report, result.confusionMatrix, { labels: modelLabels })}\n` +
          formatMisclassified(result.misclassified, 20, modelLabels),
      );
    }
  });
}

/** The most confident mistakes first, at most `limit` of them: "index: label → predicted (probability)". */
export function formatMisclassified(misclassified: readonly Misclassified[], limit = 20, labels?: readonly string[]): string {
  const name = (k: number) => labels?.[k] ?? String(k);
  if (misclassified.length === 0) return '';
  const shown = [...misclassified].sort((a, b) => b.probability - a.probability).slice(0, limit);
  const more = misclassified.length - shown.length;
  return (
    `\nmisclassified images, most confident first (index: label → predicted, its probability):\n` +
    shown.map((m) => `  ${m.index}: ${name(m.label)} → ${name(m.predicted)} (${m.probability.toFixed(3)})`).join('\n') +
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
