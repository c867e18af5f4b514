/** Opens an HTML report from disk in real Chromium and measures what it drew. */
import { PNG } from 'pngjs';
import { pathToFileURL } from 'node:url';
import { openPage, type Browser } from '../../../test-support/browser/chromium.js';

type Shown = { errors: string[]; offOrigin: string[]; inked: number; height: number; title: string };

/** Console errors, requests that left the file, and the share of non-white pixels in a screenshot of the first screen. */
export async function checkPage(browser: Browser, file: string): Promise<Shown> {
  return checkPageAt(browser, pathToFileURL(file).href);
}

/** {@link checkPage} for a page served at `url` (requests off its origin are recorded). */
export async function checkPageAt(browser: Browser, url: string): Promise<Shown> {
  const { page, errors, offOrigin } = await openPage(browser, new URL(url).origin === 'null' ? url : new URL(url).origin);
  await page.setViewportSize({ width: 1200, height: 900 });
  await page.goto(url, { waitUntil: 'load' });
  const screenshot = PNG.sync.read(await page.screenshot({ fullPage: false }));
  let inked = 0;
  for (let i = 0; i < screenshot.data.length; i += 4) if (screenshot.data[i]! < 235 || screenshot.data[i + 1]! < 235 || screenshot.data[i + 2]! < 235) inked++;
  const title = await page.title();
  const height = await page.evaluate(() => document.body.scrollHeight);
  await page.context().close();
  return { errors, offOrigin, inked: inked / (screenshot.width * screenshot.height), height, title };
}
