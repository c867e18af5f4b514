/** An attribution drawn over the digit it explains, with a legend of its value range. */
import type { Attribution } from '../compute/attribution.js';
import { colorLegend, scaleFor } from './color-scales.js';
import { blendImages, colorImage, grayImage, pngDataUri } from './raster.js';
import { escapeXml, svgDocument } from './svg.js';

/** Options of {@link heatMapOverlaySvg}. */
export interface OverlayOptions {
  /** Side of the drawn image in pixels; default 168 (6 × 28). */
  size?: number;
  /** Heat-map opacity over the digit, 0..1; default 0.6. */
  opacity?: number;
  /** Text above the image; default the method and class; '' for none (put it in the page instead). */
  caption?: string;
}

/**
 * The digit (`digit`: `height × width` values as the model sees them, any range) in gray with the
 * attribution blended over it: diverging colours (red for, blue against) for signed attributions,
 * viridis for non-negative ones (Grad-CAM, occlusion drops ≥ 0).
 */
export function heatMapOverlaySvg(digit: ArrayLike<number>, attribution: Attribution, { size = 168, opacity = 0.6, caption }: OverlayOptions = {}): string {
  const { width, height, values } = attribution;
  const scale = scaleFor(values);
  const image = blendImages(grayImage(digit, width, height), colorImage(values, width, height, scale), opacity);
  const text = caption ?? `${attribution.method}, class ${attribution.target}`;
  const top = text ? 18 : 0;
  return svgDocument(
    size,
    size + top + 38,
    text || `${attribution.method}, class ${attribution.target}`,
    `${text ? `<text x="0" y="12">${escapeXml(text)}</text>` : ''}<image class="overlay" x="0" y="${top}" width="${size}" height="${size}" style="image-rendering:pixelated" href="${pngDataUri(image)}"/>` +
      colorLegend(scale, { x: 0, y: size + top + 2, width: Math.min(size, 160), label: '' }),
  );
}

/** The digit alone, gray, as the model sees it. */
export function digitSvg(digit: ArrayLike<number>, width: number, height: number, { size = 112, caption = '' }: { size?: number; caption?: string } = {}): string {
  return svgDocument(size, size + (caption ? 16 : 0), caption || 'input digit', `${caption ? `<text x="0" y="12">${escapeXml(caption)}</text>` : ''}<image class="digit" x="0" y="${caption ? 16 : 0}" width="${size}" height="${size}" style="image-rendering:pixelated" href="${pngDataUri(grayImage(digit, width, height))}"/>`);
}
