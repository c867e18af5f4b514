import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { classificationReport } from '@digitlab/trainer';
import { confusionCells, confusionMatrixSvg, predictAll } from '@digitlab/viz';

/** Which test digits land in each (true, predicted) cell; per-class metrics come from @digitlab/trainer. */
export function example(model: tfl.LayersModel, digits: tf.Tensor4D, labels: number[]) {
  const { predicted } = predictAll(model, digits);
  const cells = confusionCells(labels, predicted); // cells.indices[truth][predicted] = [example indices]
  const report = classificationReport(cells.counts);
  return { cells, report, svg: confusionMatrixSvg(cells.counts) }; // mistake cells link to #cell-T-P
}
