import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { embeddingScatterSvg, layerFeatures, pca, umap } from '@digitlab/viz';

/** The penultimate layer of many digits `[n, 28, 28, 1]`, in 2-D by PCA and by UMAP. */
export function example(model: tfl.LayersModel, digits: tf.Tensor4D, labels: number[]) {
  const rows = layerFeatures(model, digits); // { layer, count, dimension, values }
  const linear = pca(rows); // points, axes, explainedVariance
  const manifold = umap(rows, { neighbors: 15, seed: 0 });
  return { rows, linear, manifold, svg: embeddingScatterSvg(manifold, labels) };
}
