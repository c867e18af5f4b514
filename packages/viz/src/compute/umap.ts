/** UMAP of feature rows to 2-D, through umap-js (the PAIR team's port of McInnes et al.). */
import { UMAP } from 'umap-js';
import { VizError } from '../errors.js';
import type { FeatureRows } from './layer-features.js';
import { featureMatrix, type Projection } from './pca.js';

/** Options of {@link umap}. */
export interface UmapOptions {
  /** Neighbourhood size; default 15. */
  neighbors?: number;
  /** Minimum distance between embedded points; default 0.1. */
  minDistance?: number;
  /** Optimisation epochs; default: umap-js's choice (500 below 10,000 points, 200 above). */
  epochs?: number;
  /** Seed of the random initialisation and sampling; default 0. */
  seed?: number;
}

/** A small seeded generator (mulberry32) for umap-js's `random`. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** UMAP embedding of `rows` into 2-D (`axes` and `explainedVariance` are empty: UMAP has neither). */
export function umap(rows: Pick<FeatureRows, 'values' | 'count' | 'dimension'>, { neighbors = 15, minDistance = 0.1, epochs, seed = 0 }: UmapOptions = {}): Projection {
  if (rows.count <= neighbors) throw new VizError(`umap needs more rows than neighbors (${neighbors}), got ${rows.count}. Pass more points or a smaller { neighbors }.`);
  const reducer = new UMAP({ nComponents: 2, nNeighbors: neighbors, minDist: minDistance, random: seededRandom(seed), ...(epochs === undefined ? {} : { nEpochs: epochs }) });
  const embedding = reducer.fit(featureMatrix(rows));
  return { points: Float32Array.from(embedding.flat()), count: rows.count, components: 2, axes: [], explainedVariance: [] };
}
