/**
 * `digitlab lr-find` — the learning-rate range test (fastai): a few hundred steps with the rate
 * growing exponentially, the smoothed loss as a small text plot, a suggested rate, and
 * `lr-find.json` / `lr-find.csv` under `--out`. The model's weights are restored afterwards (a
 * model folder on disk is never written).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { listModels } from '@digitlab/models/node';
import { adam, datasetBatches, finetuneStrategyNames, formatLrFindPlot, groupLearningRateScales, lrFind, prepareFinetune } from '@digitlab/trainer/node';
import { chooseBackend } from '../backends.js';
import { UsageError, createLogger, numberFlag, parseCommandArgs, runCommand, writeJson } from '../cli-support.js';
import { loadTrainingData } from '../data-input.js';
import { dataSpecForms, parseDataSpec } from '../data-spec.js';
import { labelsFlag } from '../flag-values.js';
import { describeModelSpec, resolveModel } from '../model-spec.js';
import { baseModelSpec, strategyFlags, strategyFrom } from './finetune.js';
import { assertWritableFolder } from '../writable-folder.js';

/** The `--help` text (also read by `digitlab completion` for the flags). */
export const usage = `usage: digitlab lr-find --model MODEL [--data SPEC] [options]

Sweeps the learning rate exponentially with Adam (what train and finetune use) and suggests one
(steepest descent of the smoothed loss); finetune --lr auto runs the same sweep and uses it.
  --model MODEL          a fresh zoo model (${listModels().map((m) => m.name).join('|')}), or a saved
                         one to find a fine-tuning rate: a model folder or pretrained:NAME
  --data SPEC            ${dataSpecForms} (default mnist)
  --labels A,B,..        class names of a folder whose sub-folders are not numbers
  --strategy NAME        ${finetuneStrategyNames.join('|')} (default full), with the finetune flags
                         (--freeze, --factor, --rank, --alpha, --targets, --bottleneck, --after)
  --steps N              (default 200)   --start X (default 1e-7)   --end X (default 10)
  --batch-size B         (default 64)    --backend NAME   --seed S (default 0)
  --out DIR              write lr-find.json and lr-find.csv there
  --json                 print one JSON object on stdout
`;

const flags = {
  ...strategyFlags,
  steps: { type: 'string' },
  start: { type: 'string' },
  end: { type: 'string' },
} as const;

/** Runs `digitlab lr-find`. */
export async function run(argv: string[]): Promise<number> {
  return runCommand('lr-find', argv, usage, async ({ json }) => {
    const { values } = parseCommandArgs(argv, flags);
    const logger = createLogger();
    const modelSpec = baseModelSpec(values, { zoo: true });
    if (!modelSpec) throw new UsageError(`--model is required: a zoo name (${listModels().map((entry) => entry.name).join(', ')}), a model folder or pretrained:NAME`);
    const labelsGiven = labelsFlag(values);
    const steps = numberFlag(values, 'steps', 200, { integer: true, min: 2 });
    const start = numberFlag(values, 'start', 1e-7, { min: 0 });
    const end = numberFlag(values, 'end', 10, { min: 0 });
    if (!(start > 0 && end > start)) throw new UsageError(`--start and --end need 0 < start < end, got ${start} and ${end}`);
    const batchSize = numberFlag(values, 'batch-size', 64, { integer: true, min: 1 });
    const seed = numberFlag(values, 'seed', 0, { integer: true, min: 0 });
    const strategy = strategyFrom(values, 'full');
    const dataSpec = parseDataSpec(typeof values.data === 'string' ? values.data : 'mnist');
    // Refused now, not after the sweep.
    if (typeof values.out === 'string') assertWritableFolder(values.out);

    const selection = await chooseBackend(typeof values.backend === 'string' ? values.backend : undefined, {
      threads: values.threads === undefined ? undefined : numberFlag(values, 'threads', 1, { integer: true, min: 1 }),
      logger,
    });
    const data = await loadTrainingData(dataSpec, undefined, { seed, validationFraction: 0.1, logger, ...(labelsGiven ? { labels: labelsGiven } : {}) });
    const loaded = await resolveModel(modelSpec, { seed, numClasses: data.classes.length });
    const normalization = loaded.metadata?.input.normalization ?? 'mnist';
    // A fresh zoo model is built with the data's classes; a saved one keeps its head only when its labels are the data's.
    const labels = loaded.metadata?.labels ?? data.classes;
    const plan = prepareFinetune(loaded.model, strategy, { numClasses: data.classes.length, newHead: JSON.stringify(labels) !== JSON.stringify(data.classes), seed });
    const scales = groupLearningRateScales(plan);
    const result = lrFind(plan.model, datasetBatches(data.train, { batchSize, seed, normalization, numClasses: data.classes.length }), {
      startLearningRate: start,
      endLearningRate: end,
      steps,
      seed,
      optimizer: adam(),
      ...(scales ? { learningRateScales: scales } : {}),
    });
    if (plan.model !== loaded.model) plan.model.dispose();
    loaded.model.dispose();

    const summary = {
      backend: selection.chosen.name,
      model: describeModelSpec(modelSpec),
      strategy: strategy.kind,
      data: data.description,
      steps: result.points.length,
      suggestion: result.suggestion,
      steepest: result.steepest ?? null,
      minimumOverTen: result.minimumOverTen,
      ...(result.stopReason ? { stopReason: result.stopReason } : {}),
    };
    if (typeof values.out === 'string') {
      const out = resolve(values.out);
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, 'lr-find.json'), `${JSON.stringify({ ...summary, points: result.points }, null, 2)}\n`);
      writeFileSync(join(out, 'lr-find.csv'), `step,learning_rate,loss,smoothed_loss\n${result.points.map((point) => `${point.step},${point.learningRate},${point.loss},${point.smoothedLoss}`).join('\n')}\n`);
      logger.info(`wrote ${join(out, 'lr-find.json')} and lr-find.csv`);
    }
    if (json) writeJson({ ...summary, points: result.points });
    else process.stdout.write(`${formatLrFindPlot(result)}\n${result.stopReason ? `stopped after ${result.points.length} steps: ${result.stopReason}\n` : ''}`);
  });
}
