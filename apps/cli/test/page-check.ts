/** Opens an HTML report from disk in real Chromium and measures what it drew. */
import { PNG } from 'pngjs';
import { pathToFileURL } from 'node:url';
import { openPage, type Browser } from '../../../test-support/browser/chromium.js';

/** Console errors, requests that left the file, and the share of non-white pixels in a full-page screenshot. */
export async function checkPage(browser: Browser, file: string): Promise<{ errors: string[]; offOrigin: string[]; inked: number; height: number; title: string }> {
  const url = pathToFileURL(file).href;
  const { page, errors, offOrigin } = await openPage(browser, url);
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
