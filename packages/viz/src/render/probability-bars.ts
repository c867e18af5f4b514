/** Class probabilities as horizontal bars, the predicted class (and the true one, when known) marked. */
import { escapeXml, svgDocument } from './svg.js';

/** Options of {@link probabilityBarsSvg}. */
export interface ProbabilityBarsOptions {
  /** Class names; default `0..K-1`. */
  labels?: string[];
  /** The true class, drawn in a second colour when it is not the predicted one. */
  truth?: number;
  width?: number;
}

/** One bar per class, length ∝ probability, value printed at its end. */
export function probabilityBarsSvg(probabilities: ArrayLike<number>, { labels, truth, width = 220 }: ProbabilityBarsOptions = {}): string {
  const values = Array.from(probabilities);
  const predicted = values.indexOf(Math.max(...values));
  const row = 16;
  const labelWidth = 28;
  const barWidth = width - labelWidth - 44;
  const bars = values
    .map((p, k) => {
      const name = labels?.[k] ?? String(k);
      const fill = k === predicted ? '#d1495b' : k === truth ? '#2e86ab' : '#9aa5b1';
      return (
        `<g class="bar"><text x="${labelWidth - 6}" y="${k * row + 12}" text-anchor="end">${escapeXml(name)}</text>` +
        `<rect x="${labelWidth}" y="${k * row + 2}" width="${Math.max(0.5, p * barWidth).toFixed(2)}" height="${row - 4}" fill="${fill}"><title>${escapeXml(`${name}: ${(100 * p).toFixed(2)}%`)}</title></rect>` +
        `<text x="${labelWidth + p * barWidth + 4}" y="${k * row + 12}">${(100 * p).toFixed(1)}%</text></g>`
      );
    })
    .join('');
  const title = `probabilities: ${labels?.[predicted] ?? predicted} predicted${truth !== undefined ? `, ${labels?.[truth] ?? truth} true` : ''}`;
  return svgDocument(width, values.length * row + 4, title, bars);
}
