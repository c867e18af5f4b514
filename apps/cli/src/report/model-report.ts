/**
 * The report of a model on test digits, as plain data and as one HTML page: learning curves,
 * confusion cells that open their digits, the per-class report (trainer's classificationReport),
 * the worst mistakes, and an embedding of the penultimate layer. `digitlab report` and the end of
 * `digitlab train` both write it.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { imagesToTensor, subsetDataset, type DigitDataset } from '@digitlab/datasets';
import { classificationReport, type ClassificationReport } from '@digitlab/trainer';
import {
  confusionCells,
  confusionMatrixSvg,
  embeddingScatterSvg,
  escapeXml,
  grayImage,
  htmlPage,
  htmlTable,
  layerFeatures,
  learningCurvesSvg,
  pca,
  pngDataUri,
  predictAll,
  probabilityBarsSvg,
  umap,
  type ConfusionCells,
  type LearningCurves,
  type PageSection,
} from '@digitlab/viz';

/** What goes into a report. */
export interface ModelReportInput {
  title: string;
  model: tfl.LayersModel;
  /** Turns `unit` ([0, 1]) images into what the model expects. */
  normalize: (unit: tf.Tensor) => tf.Tensor;
  labels: readonly string[];
  test: DigitDataset;
  curves?: LearningCurves;
  embedding: 'umap' | 'pca';
  /** Test digits in the embedding (every k-th, in test order). */
  embeddingSize: number;
  seed: number;
}

/** The numbers of a report. */
export interface ModelReport {
  accuracy: number;
  size: number;
  report: ClassificationReport;
  cells: ConfusionCells;
  /** Every mistake, most confident first. */
  mistakes: { index: number; label: number; predicted: number; probability: number; probabilities: number[] }[];
  embedding: { kind: 'umap' | 'pca'; layer: string; count: number; seconds: number };
  seconds: { predict: number; embedding: number };
  /** The page's sections after the learning curves (for a live page that redraws only the curves). */
  modelSections: PageSection[];
  html: string;
}

/** The learning-curves section, or none before the first epoch. */
export function curvesSection(curves: LearningCurves | undefined): PageSection[] {
  if (!curves || curves.epochs.length === 0) return [];
  const charts = learningCurvesSvg(curves);
  return [{ heading: 'Learning curves', html: `<div class="row"><div class="card">${charts.loss}</div><div class="card">${charts.accuracy}</div><div class="card">${charts.learningRate}</div></div>` }];
}

/** Opens the `<details>` of the confusion cell a link points to (browsers only scroll to it). */
export const openTargetedCell = `function openCell(){var e=document.getElementById(decodeURIComponent(location.hash.slice(1)));if(e&&e.tagName==='DETAILS')e.open=true}addEventListener('hashchange',openCell);openCell();`;

/** `count` evenly spaced positions in `0..size-1`. */
function spread(size: number, count: number): number[] {
  const step = size / Math.min(size, count);
  return Array.from({ length: Math.min(size, count) }, (_, i) => Math.floor(i * step));
}

/** Computes the report and renders its page. */
export function buildModelReport(input: ModelReportInput): ModelReport {
  const { model, test, labels } = input;
  const images = tf.tidy(() => input.normalize(imagesToTensor(test.images, 'unit')));
  let predictions;
  let features;
  const start = performance.now();
  try {
    predictions = predictAll(model, images, 500);
    const predictSeconds = (performance.now() - start) / 1000;
    const sample = spread(test.size, input.embeddingSize);
    const sampled = tf.tidy(() => tf.gather(images, tf.tensor1d(sample, 'int32')));
    try {
      features = { rows: layerFeatures(model, sampled, { batchSize: 500 }), sample, predictSeconds };
    } finally {
      sampled.dispose();
    }
  } finally {
    images.dispose();
  }
  const embeddingStart = performance.now();
  const projection = input.embedding === 'umap' ? umap(features.rows, { seed: input.seed, epochs: 200 }) : pca(features.rows);
  const embeddingSeconds = (performance.now() - embeddingStart) / 1000;

  const classes = predictions.classes;
  const truth = Array.from(test.labels);
  const cells = confusionCells(truth, predictions.predicted, classes);
  const report = classificationReport(cells.counts);
  const probabilitiesOf = (index: number) => Array.from(predictions.probabilities.subarray(index * classes, (index + 1) * classes));
  const mistakes = truth
    .map((label, index) => ({ index, label, predicted: predictions.predicted[index]! }))
    .filter(({ label, predicted }) => label !== predicted)
    .map((mistake) => ({ ...mistake, probabilities: probabilitiesOf(mistake.index), probability: predictions.probabilities[mistake.index * classes + mistake.predicted]! }))
    .sort((a, b) => b.probability - a.probability);

  const name = (k: number) => labels[k] ?? String(k);
  const digit = (index: number) => pngDataUri(grayImage(test.images.subarray(index * 784, (index + 1) * 784), 28, 28, { min: 0, max: 255 }));
  const card = (index: number, caption: string) => `<div class="digit-card"><img alt="test digit ${index}" src="${digit(index)}">${escapeXml(caption)}</div>`;
  const sections: PageSection[] = [];
  const cellLists = cells.indices
    .flatMap((row, t) => row.map((indices, p) => ({ t, p, indices })))
    .filter(({ t, p, indices }) => t !== p && indices.length > 0)
    .map(({ t, p, indices }) => `<details id="cell-${t}-${p}"><summary>true ${escapeXml(name(t))} → predicted ${escapeXml(name(p))}: ${indices.length}</summary><div class="digits">${indices.map((index) => card(index, `#${index} ${(100 * predictions.probabilities[index * classes + p]!).toFixed(0)}%`)).join('')}</div></details>`)
    .join('');
  sections.push({
    heading: `Confusion matrix (${test.size} test digits, accuracy ${(100 * report.accuracy).toFixed(2)}%)`,
    html: `<div class="row"><div class="card">${confusionMatrixSvg(cells.counts, { labels: [...labels] })}</div><div style="flex:1;min-width:320px"><p>Click a red cell to open its digits.</p>${cellLists}</div></div>`,
  });
  const percent = (value: number) => `${(100 * value).toFixed(2)}%`;
  sections.push({
    heading: 'Per-class report',
    html: htmlTable(
      ['class', 'precision', 'recall', 'F1', 'support'],
      [...report.perClass.map((c) => [name(c.label), percent(c.precision), percent(c.recall), percent(c.f1), c.support]), ['macro', percent(report.macro.precision), percent(report.macro.recall), percent(report.macro.f1), report.total]],
    ),
  });
  sections.push({
    heading: `Worst mistakes (${Math.min(12, mistakes.length)} most confident of ${mistakes.length})`,
    html: `<div class="row">${mistakes
      .slice(0, 12)
      .map((m) => `<div class="card">${card(m.index, `#${m.index}: true ${name(m.label)}, predicted ${name(m.predicted)}`)}${probabilityBarsSvg(m.probabilities, { labels: [...labels], truth: m.label, width: 200 })}</div>`)
      .join('')}</div>`,
  });
  const sampledLabels = features.sample.map((index) => truth[index]!);
  sections.push({
    heading: `Embedding of ${features.rows.layer} (${input.embedding.toUpperCase()}, ${features.sample.length} test digits)`,
    html: `<div class="card">${embeddingScatterSvg(projection, sampledLabels, {
      labelNames: [...labels],
      title: `${input.embedding} of ${features.rows.layer}`,
      describe: (i) => {
        const index = features.sample[i]!;
        return `test #${index}: true ${name(truth[index]!)}, predicted ${name(predictions.predicted[index]!)}`;
      },
    })}</div>`,
  });
  const html = htmlPage({ title: input.title, subtitle: `accuracy ${percent(report.accuracy)} on ${test.size} MNIST test digits; ${mistakes.length} mistakes`, sections: [...curvesSection(input.curves), ...sections], script: openTargetedCell });
  return {
    accuracy: report.accuracy,
    size: test.size,
    report,
    cells,
    mistakes,
    embedding: { kind: input.embedding, layer: features.rows.layer, count: features.sample.length, seconds: embeddingSeconds },
    seconds: { predict: features.predictSeconds, embedding: embeddingSeconds },
    modelSections: sections,
    html,
  };
}

/** The first `limit` digits of `dataset` (all when undefined). */
export function firstDigits(dataset: DigitDataset, limit: number | undefined): DigitDataset {
  return limit === undefined || limit >= dataset.size ? dataset : subsetDataset(dataset, Array.from({ length: limit }, (_, i) => i));
}
