/** Grids of small images drawn from numbers: a layer's feature maps, a conv layer's filters, a dense layer's units. */
import type { LayerActivation } from '../compute/activations.js';
import type { ConvFilters } from '../compute/conv-filters.js';
import { colorLegend, cssColor, scaleFor, type ColorScale } from './color-scales.js';
import { colorImage, pngDataUri } from './raster.js';
import { escapeXml, svgDocument } from './svg.js';

/** Layout of a grid. */
export interface GridOptions {
  /** Side of each cell in pixels; default 44. */
  cell?: number;
  /** Cells per row; default 16. */
  columns?: number;
  /** At most this many cells (channels or filters); default 64. */
  limit?: number;
}

/** Channel `k` of an HWC array as its own `h × w` plane. */
function channel(values: Float32Array, height: number, width: number, channels: number, k: number): Float32Array {
  return Float32Array.from({ length: height * width }, (_, i) => values[i * channels + k]!);
}

function grid(title: string, planes: { values: Float32Array; height: number; width: number; caption: string }[], scale: ColorScale, legendLabel: string, { cell = 44, columns = 16 }: GridOptions): string {
  const gap = 2;
  const perRow = Math.min(columns, planes.length);
  const rows = Math.ceil(planes.length / perRow);
  const gridHeight = rows * (cell + gap);
  const cells = planes
    .map(({ values, height, width, caption }, i) => {
      const x = (i % perRow) * (cell + gap);
      const y = Math.floor(i / perRow) * (cell + gap);
      return `<image class="cell" x="${x}" y="${y}" width="${cell}" height="${cell}" preserveAspectRatio="none" style="image-rendering:pixelated" href="${pngDataUri(colorImage(values, width, height, scale))}"><title>${escapeXml(caption)}</title></image>`;
    })
    .join('');
  const width = Math.max(perRow * (cell + gap), 180);
  return svgDocument(width, gridHeight + 40, title, `${cells}${colorLegend(scale, { x: 0, y: gridHeight + 2, label: legendLabel })}`);
}

/**
 * One layer's activations: feature maps (`[h, w, c]`) as one image per channel on a shared scale;
 * a vector (`[units]`) as a strip of coloured cells, one per unit, with its value on hover.
 */
export function activationSvg(activation: LayerActivation, options: GridOptions = {}): string {
  const limit = options.limit ?? 64;
  const title = `${activation.name} (${activation.className}) [${activation.shape.join('×')}]`;
  if (activation.shape.length === 3) {
    const [height, width, channels] = activation.shape as [number, number, number];
    const shown = Math.min(channels, limit);
    const planes = Array.from({ length: shown }, (_, k) => ({ values: channel(activation.values, height, width, channels, k), height, width, caption: `${activation.name} channel ${k}` }));
    return grid(`${title}${shown < channels ? `, first ${shown} channels` : ''}`, planes, scaleFor(activation.values), 'activation', options);
  }
  const units = activation.values;
  const scale = scaleFor(units);
  const size = 12;
  const perRow = Math.min(64, units.length);
  const rows = Math.ceil(units.length / perRow);
  const cells = Array.from(units, (value, i) => `<rect class="cell" x="${(i % perRow) * size}" y="${Math.floor(i / perRow) * size}" width="${size - 1}" height="${size - 1}" fill="${cssColor(scale, value)}"><title>${escapeXml(`${activation.name} unit ${i}: ${value.toPrecision(4)}`)}</title></rect>`).join('');
  return svgDocument(Math.max(perRow * size, 180), rows * size + 40, title, `${cells}${colorLegend(scale, { x: 0, y: rows * size + 2, label: 'activation' })}`);
}

/** A conv layer's filters, one image per filter (averaged over input channels when there are several), diverging colours. */
export function filterGridSvg(filters: ConvFilters, options: GridOptions = {}): string {
  const { height, width, inChannels, filters: count, values } = filters;
  const shown = Math.min(count, options.limit ?? 64);
  const planes = Array.from({ length: shown }, (_, f) => {
    const plane = Float32Array.from({ length: height * width }, (_, p) => {
      let sum = 0;
      for (let c = 0; c < inChannels; c++) sum += values[(p * inChannels + c) * count + f]!;
      return sum / inChannels;
    });
    return { values: plane, height, width, caption: `${filters.layer} filter ${f}` };
  });
  const all = planes.flatMap((plane) => Array.from(plane.values));
  const note = inChannels > 1 ? `, mean over ${inChannels} input channels` : '';
  return grid(`${filters.layer} filters [${height}×${width}×${inChannels}×${count}]${note}`, planes, scaleFor(all, 'diverging'), 'weight', options);
}
