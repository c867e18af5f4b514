/** Principal component analysis of feature rows, through ml-pca (mljs). */
import { PCA } from 'ml-pca';
import { VizError } from '../errors.js';
import type { FeatureRows } from './layer-features.js';

/** Rows projected onto their first principal components. */
export interface Projection {
  /** `count × components` coordinates, row-major. */
  points: Float32Array;
  count: number;
  components: number;
  /** The principal axes (unit vectors in feature space), one per component. */
  axes: number[][];
  /** Share of the total variance each component explains. */
  explainedVariance: number[];
}

/** Splits feature rows into the number[][] the mljs libraries take. */
export function featureMatrix({ values, count, dimension }: Pick<FeatureRows, 'values' | 'count' | 'dimension'>): number[][] {
  return Array.from({ length: count }, (_, i) => Array.from(values.subarray(i * dimension, (i + 1) * dimension)));
}

/** PCA of `rows` onto `components` axes (default 2), by eigen-decomposition of the covariance matrix. */
export function pca(rows: Pick<FeatureRows, 'values' | 'count' | 'dimension'>, components = 2): Projection {
  if (rows.count < 2) throw new VizError(`pca needs at least 2 rows, got ${rows.count}`);
  if (!Number.isInteger(components) || components < 1 || components > rows.dimension) throw new VizError(`pca: components must be an integer in 1..${rows.dimension}, got ${components}`);
  const model = new PCA(featureMatrix(rows), { method: 'covarianceMatrix', center: true });
  const projected = model.predict(featureMatrix(rows), { nComponents: components });
  const variance = model.getExplainedVariance();
  const loadings = model.getLoadings(); // rows are the components
  return {
    points: Float32Array.from(projected.to1DArray()),
    count: rows.count,
    components,
    axes: loadings.to2DArray().slice(0, components),
    explainedVariance: variance.slice(0, components),
  };
}
