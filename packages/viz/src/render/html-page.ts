/**
 * A self-contained HTML page: inline CSS, SVG and images, no script or file from the network. Its
 * Content-Security-Policy forbids every fetch, so the page opens from disk and shows the same offline.
 */
import { escapeXml } from './svg.js';

/** One titled block of the page. */
export interface PageSection {
  heading: string;
  /** Trusted HTML (SVG strings from this package, tables). */
  html: string;
  /** Element id, for links such as the confusion matrix's `#cell-3-5`. */
  id?: string;
}

/** Options of {@link htmlPage}. */
export interface PageOptions {
  title: string;
  /** A line under the title. */
  subtitle?: string;
  sections: PageSection[];
  /** Inline script run at the end of the page (no network access either way). */
  script?: string;
  /** Reload the page every this many seconds (a live report); default never. */
  refreshSeconds?: number;
}

const css = `
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1200px;padding:0 16px;color:#111827;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #e5e7eb;padding-bottom:4px}
h3{font-size:14px;margin:14px 0 6px}.subtitle{color:#4b5563;margin:0 0 12px}
.row{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}.card{border:1px solid #e5e7eb;border-radius:6px;padding:8px}
table{border-collapse:collapse}td,th{padding:2px 8px;text-align:right;border-bottom:1px solid #f3f4f6}th{background:#f9fafb}
.digits{display:flex;flex-wrap:wrap;gap:8px}.digit-card{font-size:11px;text-align:center}.digit-card img{width:56px;height:56px;image-rendering:pixelated;display:block;border:1px solid #e5e7eb}
.caption{font-size:12px;margin-bottom:4px;overflow-wrap:anywhere}:target{outline:2px solid #d1495b;outline-offset:4px}details{margin:6px 0}summary{cursor:pointer}
`;

/** The page as one HTML string. */
export function htmlPage({ title, subtitle, sections, script, refreshSeconds }: PageOptions): string {
  const body = sections.map((section) => `<section${section.id ? ` id="${escapeXml(section.id)}"` : ''}><h2>${escapeXml(section.heading)}</h2>${section.html}</section>`).join('\n');
  const policy = `default-src 'none'; img-src data:; style-src 'unsafe-inline'${script ? "; script-src 'unsafe-inline'" : ''}`;
  return (
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${policy}">` +
    `${refreshSeconds ? `<meta http-equiv="refresh" content="${refreshSeconds}">` : ''}<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,"><title>${escapeXml(title)}</title><style>${css}</style></head>\n` +
    `<body><h1>${escapeXml(title)}</h1>${subtitle ? `<p class="subtitle">${escapeXml(subtitle)}</p>` : ''}\n${body}\n${script ? `<script>${script}</script>` : ''}</body></html>\n`
  );
}

/** A table from a header row and data rows (cells escaped). */
export function htmlTable(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  return `<table><thead><tr>${header.map((cell) => `<th>${escapeXml(cell)}</th>`).join('')}</tr></thead><tbody>${rows.map((row) => `<tr>${row.map((cell) => `<td>${escapeXml(cell)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}
