import { expectNoTensorLeaks } from '@digitlab/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { mnistSlice, pretrained, useTestBackend } from '../__fixtures__/test-models.js';
import { layerFeatures, penultimateLayer } from './layer-features.js';
import { pca } from './pca.js';
import { umap } from './umap.js';

beforeAll(useTestBackend);

/** Points `t·axis + small noise` in 3-D, `t` spread wide: the first principal axis is `axis`. */
function alongAxis(axis: number[], count: number): { values: Float32Array; count: number; dimension: number } {
  const values = new Float32Array(count * 3);
  let state = 7;
  const random = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648 - 0.5;
  };
  for (let i = 0; i < count; i++) {
    const t = 10 * random();
    for (let d = 0; d < 3; d++) values[i * 3 + d] = 5 + t * axis[d]! + 0.1 * random();
  }
  return { values, count, dimension: 3 };
}

describe('pca', () => {
  it('finds a known principal axis and explains nearly all the variance with it', () => {
    const axis = [2 / 7, 3 / 7, 6 / 7];
    const result = pca(alongAxis(axis, 500));
    const found = result.axes[0]!;
    const cosine = Math.abs(found.reduce((sum, value, d) => sum + value * axis[d]!, 0)) / Math.hypot(...found);
    expect(cosine).toBeGreaterThan(0.9999);
    expect(result.explainedVariance[0]).toBeGreaterThan(0.99);
    expect(result.points.length).toBe(1000);
    expect(() => pca({ values: new Float32Array(3), count: 1, dimension: 3 })).toThrow(/at least 2 rows, got 1/);
  });
});

describe('embeddings of real test digits', () => {
  it('takes the penultimate layer of bn-cnn, and PCA and UMAP both separate the classes', async () => {
    const { model } = await pretrained('bn-cnn');
    const { images, labels } = mnistSlice(300, 0);
    expect(penultimateLayer(model)).toBe('fc1_dropout');
    const rows = await expectNoTensorLeaks(() => layerFeatures(model, images, { batchSize: 128 }), 'layerFeatures');
    expect([rows.count, rows.dimension]).toEqual([300, 128]);
    // Nearest class centroid in 2-D predicts the label far above chance (10%): classes form clusters.
    const centroidAccuracy = (points: Float32Array) => {
      const sums = Array.from({ length: 10 }, () => [0, 0, 0]);
      labels.forEach((label, i) => {
        sums[label]![0]! += points[2 * i]!;
        sums[label]![1]! += points[2 * i + 1]!;
        sums[label]![2]! += 1;
      });
      const centres = sums.map(([x, y, n]) => [x! / n!, y! / n!]);
      return labels.filter((label, i) => {
        const distances = centres.map(([x, y]) => Math.hypot(points[2 * i]! - x!, points[2 * i + 1]! - y!));
        return distances.indexOf(Math.min(...distances)) === label;
      }).length / labels.length;
    };
    expect(centroidAccuracy(pca(rows).points)).toBeGreaterThan(0.4);
    const embedded = umap(rows, { seed: 1, epochs: 200 });
    expect(embedded.points.length).toBe(600);
    expect(centroidAccuracy(embedded.points)).toBeGreaterThan(0.85);
    images.dispose();
  });
});
