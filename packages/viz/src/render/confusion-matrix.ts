/** A confusion matrix whose cells link to the examples they hold. */
import { escapeXml, svgDocument } from './svg.js';

/** Options of {@link confusionMatrixSvg}. */
export interface ConfusionMatrixOptions {
  /** Class names; default `0..K-1`. */
  labels?: string[];
  /** Where a cell links to (e.g. `#cell-3-5`); no link when it returns undefined. Default: off-diagonal cells with examples link to `#cell-T-P`. */
  href?: (truth: number, predicted: number, count: number) => string | undefined;
  cell?: number;
}

/**
 * `counts[truth][predicted]` as a grid: rows are the true class, columns the prediction. The
 * diagonal is green, mistakes shade from white to red by log count; each cell shows its count.
 */
export function confusionMatrixSvg(counts: readonly (readonly number[])[], { labels, href, cell = 34 }: ConfusionMatrixOptions = {}): string {
  const classes = counts.length;
  const name = (k: number) => labels?.[k] ?? String(k);
  const link = href ?? ((truth: number, predicted: number, count: number) => (truth !== predicted && count > 0 ? `#cell-${truth}-${predicted}` : undefined));
  const mistakes = counts.flatMap((row, t) => row.filter((_, p) => p !== t));
  const worst = Math.log1p(Math.max(1, ...mistakes));
  const offset = 44;
  const cells = counts.flatMap((row, truth) =>
    row.map((count, predicted) => {
      const x = offset + predicted * cell;
      const y = offset + truth * cell;
      const diagonal = truth === predicted;
      const fill = diagonal ? '#c7e9c0' : count === 0 ? '#ffffff' : `rgba(214, 39, 40, ${(0.15 + (0.85 * Math.log1p(count)) / worst).toFixed(3)})`;
      const body =
        `<rect class="cell" data-truth="${truth}" data-predicted="${predicted}" x="${x}" y="${y}" width="${cell - 1}" height="${cell - 1}" fill="${fill}" stroke="#e5e7eb">` +
        `<title>${escapeXml(`true ${name(truth)}, predicted ${name(predicted)}: ${count}`)}</title></rect>` +
        `<text x="${x + cell / 2}" y="${y + cell / 2 + 4}" text-anchor="middle" pointer-events="none">${count}</text>`;
      const target = link(truth, predicted, count);
      return target ? `<a href="${escapeXml(target)}">${body}</a>` : body;
    }),
  );
  const axes = Array.from({ length: classes }, (_, k) =>
    `<text class="class-label" x="${offset + k * cell + cell / 2}" y="${offset - 6}" text-anchor="middle">${escapeXml(name(k))}</text>` +
    `<text class="class-label" x="${offset - 6}" y="${offset + k * cell + cell / 2 + 4}" text-anchor="end">${escapeXml(name(k))}</text>`,
  ).join('');
  const size = offset + classes * cell + 4;
  return svgDocument(
    size,
    size + 4,
    'confusion matrix (rows: true class, columns: predicted)',
    `<text x="${offset + (classes * cell) / 2}" y="12" text-anchor="middle" font-weight="600">predicted</text>` +
      `<text transform="translate(12 ${offset + (classes * cell) / 2}) rotate(-90)" text-anchor="middle" font-weight="600">true</text>${axes}${cells.join('')}`,
  );
}
