import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleForBrowser } from './bundle.js';
import { openBrowser, openPage, type Browser } from './chromium.js';
import { startStaticServer, type StaticServer } from './static-server.js';

describe('browser test harness', () => {
  let folder: string;
  let server: StaticServer;
  let browser: Browser;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'digitlab-harness-'));
    await bundleForBrowser({ entry: new URL('./__fixtures__/platform-page.ts', import.meta.url).pathname, outfile: join(folder, 'page.js') });
    await writeFile(join(folder, 'index.html'), '<!doctype html><title>harness</title><link rel="icon" href="data:,"><script type="module" src="page.js"></script>');
    server = await startStaticServer({ mounts: { '/': folder } });
    browser = await openBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await rm(folder, { recursive: true, force: true });
  });

  it('serves a bundled entry to real Chromium, cross-origin isolated, with nothing fetched off origin', async () => {
    const { page, errors, offOrigin } = await openPage(browser, server.origin);
    await page.goto(`${server.origin}/`);
    const result = await page.waitForFunction(() => (globalThis as { pageResult?: unknown }).pageResult).then((handle) => handle.jsonValue());
    expect(result).toEqual({ platform: 'browser', isolated: true });
    expect(errors).toEqual([]);
    expect(offOrigin).toEqual([]);
    expect(server.requests).toContain('/page.js');
  });

  it('refuses a bundle that imports a Node built-in, naming it', async () => {
    const entry = join(folder, 'node-only.ts');
    await writeFile(entry, "import { readFile } from 'node:fs/promises';\nconsole.log(readFile);\n");
    await expect(bundleForBrowser({ entry, outfile: join(folder, 'node-only.js') })).rejects.toThrow(/node:fs\/promises/);
  });
});
