/** Small pieces every SVG renderer shares: escaping, number formatting, the document wrapper. */

/** Escapes text for XML content and attribute values. */
export function escapeXml(text: string | number): string {
  return String(text).replace(/[&<>"']/g, (character) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[character]!);
}

/** A number short enough for a label: 4 significant digits, no trailing zeros. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value !== 0 && (Math.abs(value) < 1e-3 || Math.abs(value) >= 1e5)) return value.toExponential(2);
  return String(Number(value.toPrecision(4)));
}

/** A standalone SVG document (`xmlns` set, a `<title>` for accessibility, a sans-serif font). */
export function svgDocument(width: number, height: number, title: string, body: string, className = 'digitlab-viz'): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="${escapeXml(className)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="11">` +
    `<title>${escapeXml(title)}</title>${body}</svg>`
  );
}
