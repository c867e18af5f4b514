import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleForBrowser } from './bundle.js';

/** Main entries of the libraries that promise to bundle for the browser with no Node shim. */
const libraryEntries = ['packages/viz/src/index.ts'];

describe('library main entries bundle for the browser', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'digitlab-bundles-'));
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it.each(libraryEntries)('%s: no node:* import, no Node-only package, no backend', async (entry) => {
    const metafile = await bundleForBrowser({ entry: new URL(`../../${entry}`, import.meta.url).pathname, outfile: join(folder, `${entry.replace(/\W+/g, '-')}.js`) });
    const inputs = Object.keys(metafile.inputs);
    expect(inputs.some((input) => input.includes(entry))).toBe(true);
    expect(inputs.filter((input) => /tfjs-backend|tfjs-node/.test(input))).toEqual([]);
  });
});
