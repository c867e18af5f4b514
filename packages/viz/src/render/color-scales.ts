/**
 * Colour scales from d3-scale-chromatic: viridis (perceptually uniform) for magnitudes, RdBu
 * (diverging, white at 0) for signed values, and a legend that states the value range.
 */
import { interpolateRdBu, interpolateViridis } from 'd3-scale-chromatic';
import { escapeXml, formatNumber } from './svg.js';

/** `sequential`: min → max on viridis; `diverging`: −m → 0 → +m on RdBu, m = max(|min|, |max|). */
export type ColorScaleKind = 'sequential' | 'diverging';

/** A value range and how it maps to colours. */
export interface ColorScale {
  kind: ColorScaleKind;
  min: number;
  max: number;
}

/** The scale that suits `values`: diverging when they take both signs, sequential otherwise. */
export function scaleFor(values: ArrayLike<number>, kind?: ColorScaleKind): ColorScale {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (value < min) min = value;
    if (value > max) max = value;
  }
  if (!Number.isFinite(min)) [min, max] = [0, 0];
  const chosen = kind ?? (min < 0 && max > 0 ? 'diverging' : 'sequential');
  if (chosen === 'diverging') {
    const extent = Math.max(Math.abs(min), Math.abs(max));
    return { kind: chosen, min: -extent, max: extent };
  }
  return { kind: chosen, min, max };
}

/** The colour of `value` as `[r, g, b]` bytes. */
export function colorOf(scale: ColorScale, value: number): [number, number, number] {
  const span = scale.max - scale.min;
  const t = span > 0 ? Math.min(1, Math.max(0, (value - scale.min) / span)) : 0.5;
  // RdBu runs red → blue; reversed so positive (evidence for the class) is red.
  const css = scale.kind === 'diverging' ? interpolateRdBu(1 - t) : interpolateViridis(t);
  const match = /rgb\((\d+), ?(\d+), ?(\d+)\)/.exec(css) ?? /#(..)(..)(..)/.exec(css);
  if (!match) return [0, 0, 0];
  const base = css.startsWith('#') ? 16 : 10;
  return [parseInt(match[1]!, base), parseInt(match[2]!, base), parseInt(match[3]!, base)];
}

/** `colorOf` as a CSS colour string. */
export function cssColor(scale: ColorScale, value: number): string {
  return `rgb(${colorOf(scale, value).join(',')})`;
}

/** A horizontal colour bar with the range's ends (and 0 for diverging scales) labelled, as an SVG `<g>` at (x, y). */
export function colorLegend(scale: ColorScale, { x = 0, y = 0, width = 160, label = '' }: { x?: number; y?: number; width?: number; label?: string } = {}): string {
  const steps = 32;
  const stops = Array.from({ length: steps + 1 }, (_, i) => {
    const value = scale.min + ((scale.max - scale.min) * i) / steps;
    return `<rect x="${((width * i) / (steps + 1)).toFixed(2)}" y="12" width="${(width / (steps + 1) + 0.5).toFixed(2)}" height="8" fill="${cssColor(scale, value)}"/>`;
  }).join('');
  const middle = scale.kind === 'diverging' ? `<text x="${width / 2}" y="32" text-anchor="middle">0</text>` : '';
  return (
    `<g class="legend" transform="translate(${x},${y})"><text x="0" y="9">${escapeXml(label)}</text>${stops}` +
    `<text x="0" y="32">${formatNumber(scale.min)}</text>${middle}<text x="${width}" y="32" text-anchor="end">${formatNumber(scale.max)}</text></g>`
  );
}
