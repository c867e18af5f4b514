/**
 * Each library's main entry bundled for the browser as a user's bundler would (esbuild,
 * `platform: 'browser'`, no externals, no shims): a Node built-in or a Node-only package anywhere
 * in an entry's graph fails its case with esbuild's message naming the import chain, and no module
 * of a library's Node-only `src/node/` folder may reach its main entry; the libraries (not the
 * backend plugins) pull in no tfjs engine.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleForBrowser } from './bundle.js';

/** Packages whose main entry must bundle for a browser with no Node built-in and no shim. */
const libraries = ['backend', 'backend-wasm', 'backend-webgl', 'backend-webgpu', 'datasets', 'models', 'trainer', 'viz'];
/** Of those, the ones that must not pull in a tfjs engine (the application picks one). */
const backendFree = new Set(['datasets', 'models', 'trainer', 'viz']);

const packagesDirectory = fileURLToPath(new URL('../../packages/', import.meta.url));

/** The source file a package's `.` export points to under the `@digitlab/source` condition. */
async function mainEntry(name: string): Promise<string> {
  const manifest = JSON.parse(await readFile(join(packagesDirectory, name, 'package.json'), 'utf8')) as { exports: Record<string, Record<string, string>> };
  const source = manifest.exports['.']?.['@digitlab/source'];
  if (!source) throw new Error(`packages/${name}/package.json has no "@digitlab/source" condition on its "." export`);
  return join(packagesDirectory, name, source);
}

describe('library main entries bundle for the browser', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'digitlab-library-bundles-'));
  });
  afterAll(() => rm(folder, { recursive: true, force: true }));

  for (const name of libraries) {
    it(`@digitlab/${name}`, async () => {
      const metafile = await bundleForBrowser({ entry: await mainEntry(name), outfile: join(folder, `${name}.js`) });
      const inputs = Object.keys(metafile.inputs);
      expect(inputs.filter((input) => input.startsWith('node:'))).toEqual([]);
      // The Node-only modules of every library live in src/node/; none may reach a main entry.
      expect(inputs.filter((input) => /packages\/[^/]+\/src\/node\//.test(input))).toEqual([]);
      if (backendFree.has(name)) expect(inputs.filter((input) => /tfjs-backend|tfjs-node/.test(input))).toEqual([]);
    });
  }
});
