/**
 * Makes the README pictures of @digitlab/viz: a screenshot of an HTML page written by
 * `digitlab explain` or `digitlab report`, opened from disk in headless Chromium.
 * Usage: node scripts/viz-screenshots.mjs PAGE.html OUT.png [WIDTH HEIGHT]
 */
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { chromiumCandidates } from '../test-support/browser/chromium-path.mjs';
import { existsSync } from 'node:fs';

const [page, out, width = '1000', height = '640'] = process.argv.slice(2);
if (!page || !out) {
  process.stderr.write('usage: node scripts/viz-screenshots.mjs PAGE.html OUT.png [WIDTH HEIGHT]\n');
  process.exit(2);
}
const executablePath = chromiumCandidates().find((path) => existsSync(path));
const browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-background-networking'] });
try {
  const tab = await browser.newPage({ viewport: { width: Number(width), height: Number(height) } });
  await tab.goto(pathToFileURL(page).href);
  await tab.screenshot({ path: out });
} finally {
  await browser.close();
}
