/**
 * The peer suite (tfjs-core's own op tests for every kernel we register) in real Chromium: our
 * plugin in a page, the browser's wasm engine. Same known-failure list as in Node.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundleForBrowser } from '../../../../test-support/browser/bundle.js';
import { openBrowser, openPage, type Browser } from '../../../../test-support/browser/chromium.js';
import { startStaticServer, type StaticServer } from '../../../../test-support/browser/static-server.js';
import { peerSuiteFiles, unexercisedMappings } from './kernel-suites.mjs';
import { specEntrySource } from './run-peer-suite.mjs';
import { checkAgainstKnownFailures, type KnownFailures } from './known-failures.js';
import type { PeerSuiteOutcome } from './peer-suite-result.js';

const here = dirname(fileURLToPath(import.meta.url));

/** Runs the peer suite in a Chromium page on `backend`. */
async function runPeerSuiteInChromium(backend: 'ours' | 'stock'): Promise<PeerSuiteOutcome> {
  const folder = await mkdtemp(join(tmpdir(), 'digitlab-peer-suite-page-'));
  let server: StaticServer | undefined;
  let browser: Browser | undefined;
  try {
    await writeFile(join(folder, 'entry.ts'), specEntrySource(join(here, 'page-main.ts'), 'runInPage', peerSuiteFiles()));
    // tfjs-core's jasmine_util requires jasmine-core, a dev dependency of this package, not of tfjs-core.
    await bundleForBrowser({ entry: join(folder, 'entry.ts'), outfile: join(folder, 'page.js'), nodePaths: [join(here, '..', '..', 'node_modules')] });
    await writeFile(join(folder, 'index.html'), '<!doctype html><title>peer suite</title><link rel="icon" href="data:,"><script type="module" src="page.js"></script>');
    const wasmFolder = join(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
    server = await startStaticServer({ mounts: { '/': folder, '/wasm-files/': wasmFolder } });
    browser = await openBrowser();
    const observed = await openPage(browser, server.origin);
    await observed.page.goto(`${server.origin}/?backend=${backend}`);
    return (await observed.page
      .waitForFunction(() => (globalThis as { peerSuiteOutcome?: unknown }).peerSuiteOutcome, undefined, { timeout: 300_000 })
      .then((handle) => handle.jsonValue())) as PeerSuiteOutcome;
  } finally {
    await browser?.close();
    await server?.close();
    await rm(folder, { recursive: true, force: true });
  }
}

describe("tfjs-core's op tests on our wasm kernels in Chromium", () => {
  let outcome: PeerSuiteOutcome;
  let known: KnownFailures;
  beforeAll(async () => {
    known = JSON.parse(await readFile(join(here, '..', 'peer-suite-known-failures.json'), 'utf8')) as KnownFailures;
    outcome = await runPeerSuiteInChromium('ours');
  });

  it('pass, except the specs stock tfjs-backend-wasm fails too', () => {
    expect(outcome.suiteErrors).toEqual([]);
    expect(outcome.specs.length, 'tfjs-core declared no specs: the spec files did not load').toBeGreaterThan(700);
    const failed = outcome.specs.filter((spec) => spec.status === 'failed');
    console.info(`peer suite in Chromium: ${outcome.specs.length - failed.length}/${outcome.specs.length} passed`);
    expect(checkAgainstKnownFailures(outcome, known)).toEqual({ unexpected: [], nowPassing: [], missing: [] });
    expect(unexercisedMappings(outcome.kernelCalls), 'kernel-suites.mjs names these files for a kernel that they never call').toEqual([]);
  });
});
