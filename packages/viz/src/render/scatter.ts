/** A 2-D embedding as a scatter plot coloured by class, each point naming its example on hover. */
import { schemeTableau10 } from 'd3-scale-chromatic';
import type { Projection } from '../compute/pca.js';
import { escapeXml, svgDocument } from './svg.js';

/** Options of {@link embeddingScatterSvg}. */
export interface ScatterOptions {
  /** Class names; default `0..K-1`. */
  labelNames?: string[];
  /** Hover text of point `i`; default `class L, example i`. */
  describe?: (index: number) => string;
  size?: number;
  title?: string;
}

/** Categorical colour of class `k` (Tableau 10). */
export function classColor(k: number): string {
  return schemeTableau10[k % schemeTableau10.length]!;
}

/** One `<circle class="point" data-index>` per row of `projection`, coloured by `labels[i]`, and a legend of the classes. */
export function embeddingScatterSvg(projection: Projection, labels: ArrayLike<number>, { labelNames, describe, size = 420, title = 'embedding' }: ScatterOptions = {}): string {
  const { points, count } = projection;
  const xs = Array.from({ length: count }, (_, i) => points[2 * i]!);
  const ys = Array.from({ length: count }, (_, i) => points[2 * i + 1]!);
  const [xMin, xMax, yMin, yMax] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const pad = 8;
  const legendWidth = 60;
  const sx = (x: number) => pad + ((x - xMin) / (xMax - xMin || 1)) * (size - 2 * pad);
  const sy = (y: number) => size - pad - ((y - yMin) / (yMax - yMin || 1)) * (size - 2 * pad);
  const name = (k: number) => labelNames?.[k] ?? String(k);
  const circles = xs
    .map((x, i) => {
      const label = labels[i]!;
      const text = describe?.(i) ?? `class ${name(label)}, example ${i}`;
      return `<circle class="point" data-index="${i}" cx="${sx(x).toFixed(1)}" cy="${sy(ys[i]!).toFixed(1)}" r="2.2" fill="${classColor(label)}" fill-opacity="0.75"><title>${escapeXml(text)}</title></circle>`;
    })
    .join('');
  const classes = [...new Set(Array.from(labels))].sort((a, b) => a - b);
  const legend = classes.map((k, row) => `<g class="legend-entry"><circle cx="${size + 12}" cy="${14 + row * 16}" r="5" fill="${classColor(k)}"/><text x="${size + 22}" y="${18 + row * 16}">${escapeXml(name(k))}</text></g>`).join('');
  return svgDocument(size + legendWidth, size, title, `<rect width="${size}" height="${size}" fill="#fafafa"/>${circles}${legend}`);
}
