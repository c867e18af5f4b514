/**
 * Each library's main entry bundled for the browser as a user's bundler would (esbuild,
 * `platform: 'browser'`, no externals, no shims): a Node built-in or a Node-only package anywhere
 * in an entry's graph fails its case with esbuild's message naming the import chain.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleForBrowser } from './bundle.js';

/** Main entries that must bundle for a page (repository-relative). */
const entries = ['packages/backend/src/index.ts', 'packages/backend-wasm/src/index.ts'];

const repositoryRoot = new URL('../../', import.meta.url).pathname;

describe('library main entries bundle for the browser', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'digitlab-bundles-'));
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it.each(entries)('%s', async (entry) => {
    const outfile = join(folder, `${entry.replaceAll('/', '_')}.js`);
    const metafile = await bundleForBrowser({ entry: join(repositoryRoot, entry), outfile });
    const inputs = Object.keys(metafile.inputs);
    expect(inputs.some((input) => input.endsWith(entry))).toBe(true);
    expect(inputs.filter((input) => input.startsWith('node:'))).toEqual([]);
  });
});
