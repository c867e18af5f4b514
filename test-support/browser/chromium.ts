/**
 * Real Chromium for tests (Playwright's driver over Debian's `chromium`, never a DOM imitation).
 * `openBrowser()` launches it headless; `openPage()` opens a page that records console errors, page
 * errors and every request that leaves the page's origin, so a test can require "no console error,
 * no network request outside 127.0.0.1".
 * The browser is found by `chromiumCandidates()` (what `scripts/ensure-chromium.mjs` provisions
 * before `pnpm test`); if none is there, the error says how to get one.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { chromiumCandidates } from './chromium-path.mjs';

export type { Browser, Page } from 'playwright-core';

/** Flags for headless Chromium here: no sandbox (root in CI), SwiftShader for WebGL on machines without a GPU. */
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-background-networking', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist'];

export function chromiumExecutable(): string {
  const found = chromiumCandidates().find((path) => existsSync(path));
  if (found === undefined) {
    throw new Error(
      `No Chromium for the browser tests (looked at ${chromiumCandidates().join(', ')}). ` +
        'Run `node scripts/ensure-chromium.mjs` (installs Debian\'s chromium as root), `apt-get install chromium`, or set CHROMIUM_PATH.',
    );
  }
  return found;
}

export async function openBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumExecutable(), headless: true, args: CHROMIUM_ARGS });
}

/** A page plus what it said and fetched. */
export interface ObservedPage {
  page: Page;
  /** `console.error` messages and uncaught page errors, in order. */
  errors: string[];
  /** URLs the page requested outside `origin`. */
  offOrigin: string[];
}

/** Opens a new page in its own context; everything it logs as an error or fetches off `origin` is recorded. */
export async function openPage(browser: Browser, origin: string): Promise<ObservedPage> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors: string[] = [];
  const offOrigin: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(`${error.name}: ${error.message}`));
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(origin) && !url.startsWith('data:') && !url.startsWith('blob:')) offOrigin.push(url);
  });
  return { page, errors, offOrigin };
}
