/** Line charts drawn by hand (axes, ticks, one path per series): the learning curves of a run. */
import type { LearningCurves } from '../compute/learning-curves.js';
import { escapeXml, formatNumber, svgDocument } from './svg.js';

/** One named line. */
export interface Series {
  name: string;
  points: [x: number, y: number][];
  color?: string;
}

/** Options of {@link lineChartSvg}. */
export interface LineChartOptions {
  title: string;
  xLabel?: string;
  width?: number;
  height?: number;
  /** Log-scaled y axis (for losses spanning decades); default false. */
  logY?: boolean;
}

const palette = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728'];

/** Evenly spaced ticks across [min, max]. */
function ticks(min: number, max: number, count = 5): number[] {
  if (min === max) return [min];
  return Array.from({ length: count }, (_, i) => min + ((max - min) * i) / (count - 1));
}

/** A chart with one `<path class="series">` per series, a legend naming each, and labelled axes. */
export function lineChartSvg(series: readonly Series[], { title, xLabel = 'epoch', width = 300, height = 200, logY = false }: LineChartOptions): string {
  const margin = { left: 48, right: 8, top: 20, bottom: 34 };
  const all = series.flatMap((s) => s.points).filter(([, y]) => Number.isFinite(y) && (!logY || y > 0));
  const xs = all.map(([x]) => x);
  const ys = all.map(([, y]) => (logY ? Math.log10(y) : y));
  const [xMin, xMax] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  let [yMin, yMax] = ys.length ? [Math.min(...ys), Math.max(...ys)] : [0, 1];
  if (yMin === yMax) [yMin, yMax] = [yMin - 0.5, yMax + 0.5];
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const sx = (x: number) => margin.left + (xMax === xMin ? plotWidth / 2 : ((x - xMin) / (xMax - xMin)) * plotWidth);
  const sy = (y: number) => margin.top + plotHeight - (((logY ? Math.log10(y) : y) - yMin) / (yMax - yMin)) * plotHeight;
  const yTicks = ticks(yMin, yMax).map((t) => {
    const value = logY ? 10 ** t : t;
    return `<g class="tick"><line x1="${margin.left}" x2="${width - margin.right}" y1="${sy(value)}" y2="${sy(value)}" stroke="#e5e7eb"/><text x="${margin.left - 4}" y="${sy(value) + 3}" text-anchor="end">${formatNumber(value)}</text></g>`;
  });
  const xTicks = (xMax - xMin <= 10 ? Array.from({ length: Math.floor(xMax - xMin) + 1 }, (_, i) => xMin + i) : ticks(xMin, xMax).map(Math.round)).map(
    (t) => `<text class="tick" x="${sx(t)}" y="${height - margin.bottom + 14}" text-anchor="middle">${formatNumber(t)}</text>`,
  );
  const paths = series.map((s, i) => {
    const color = s.color ?? palette[i % palette.length]!;
    const points = s.points.filter(([, y]) => Number.isFinite(y) && (!logY || y > 0));
    const d = points.map(([x, y], k) => `${k === 0 ? 'M' : 'L'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join('');
    const dots = points.map(([x, y]) => `<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="2.5" fill="${color}"><title>${escapeXml(`${s.name}, ${xLabel} ${x}: ${formatNumber(y)}`)}</title></circle>`).join('');
    const legend = `<text x="${margin.left + 4 + i * 80}" y="${margin.top - 6}" fill="${color}">● ${escapeXml(s.name)}</text>`;
    return `<g class="series-group"><path class="series" data-name="${escapeXml(s.name)}" d="${d}" fill="none" stroke="${color}" stroke-width="1.8"/>${dots}${legend}</g>`;
  });
  return svgDocument(
    width,
    height,
    title,
    `<text x="${width / 2}" y="${height - 4}" text-anchor="middle" font-weight="600">${escapeXml(title)}</text>${yTicks.join('')}${xTicks.join('')}${paths.join('')}` +
      `<text x="${width - margin.right}" y="${height - margin.bottom + 14}" text-anchor="end" fill="#6b7280">${escapeXml(xLabel)}</text>`,
  );
}

/** The three charts of a run: loss (train, validation; log scale), accuracy (train, validation), learning rate. */
export function learningCurvesSvg(curves: LearningCurves): { loss: string; accuracy: string; learningRate: string } {
  const pick = (key: 'loss' | 'accuracy' | 'learningRate' | 'validationLoss' | 'validationAccuracy') =>
    curves.epochs.filter((point) => point[key] !== undefined).map((point) => [point.epoch, point[key]!] as [number, number]);
  const withValidation = (train: Series, validation: Series) => (validation.points.length > 0 ? [train, validation] : [train]);
  return {
    loss: lineChartSvg(withValidation({ name: 'train', points: pick('loss') }, { name: 'validation', points: pick('validationLoss') }), { title: 'loss', logY: true }),
    accuracy: lineChartSvg(withValidation({ name: 'train', points: pick('accuracy') }, { name: 'validation', points: pick('validationAccuracy') }), { title: 'accuracy' }),
    learningRate: lineChartSvg([{ name: 'learning rate', points: pick('learningRate'), color: '#6b21a8' }], { title: 'learning rate (last step of each epoch)' }),
  };
}
