/** Loads what a report needs from disk (model, run metrics, MNIST test digits) and writes report.html. */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadMnist, type DigitDataset } from '@digitlab/datasets/node';
import { parseMetricsJsonl } from '@digitlab/viz';
import { loadBaseModel } from '../commands/finetune.js';
import { buildModelReport, firstDigits, type ModelReport } from './model-report.js';
import type { ReportOptions } from './report-options.js';

/**
 * Builds the report of `options.model` (and `options.run`'s curves) and writes it to `options.out`.
 * `test` spares a second read of MNIST when the caller holds the test split already.
 */
export async function writeReport(options: Omit<ReportOptions, 'backend' | 'threads'>, { test: given }: { test?: DigitDataset } = {}): Promise<ModelReport & { out: string; seconds: { total: number; predict: number; embedding: number } }> {
  const start = performance.now();
  const metricsFile = options.run === undefined ? undefined : join(options.run, 'metrics.jsonl');
  const curves = metricsFile && existsSync(metricsFile) ? parseMetricsJsonl(readFileSync(metricsFile, 'utf8')) : undefined;
  const { model, metadata } = await loadBaseModel(options.model);
  try {
    const { normalization, mean = 0, std = 1 } = metadata.input;
    const test = given ?? (await loadMnist()).test;
    const result = buildModelReport({
      title: `digitlab report: ${options.run ?? options.model}`,
      model,
      normalize: (unit) => (normalization === 'mnist' ? tf.div(tf.sub(unit, mean), std) : unit),
      labels: metadata.labels,
      test: firstDigits(test, options.testLimit),
      ...(curves ? { curves } : {}),
      embedding: options.embedding,
      embeddingSize: options.embeddingSize,
      seed: options.seed,
    });
    await mkdir(dirname(resolve(options.out)), { recursive: true });
    await writeFile(options.out, result.html);
    return { ...result, out: resolve(options.out), seconds: { ...result.seconds, total: (performance.now() - start) / 1000 } };
  } finally {
    model.dispose();
  }
}
