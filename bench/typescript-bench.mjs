/**
 * Runs a TypeScript bench driver from a `bench/*.mjs` entry: esbuild bundles the driver (and the
 * repository's TypeScript test support it imports, such as test-support/browser/) for Node, with
 * packages left as imports, into the package's node_modules/.cache, then imports it. Packages
 * resolve to their built dist/, which `pnpm bench` builds first.
 */
import { mkdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

/** Bundles the driver at `driverUrl` (a `.ts` file URL inside a package's bench/ folder) and runs it. */
export async function runTypeScriptBench(driverUrl) {
  const driver = fileURLToPath(driverUrl);
  const packageRoot = dirname(dirname(driver));
  const cache = join(packageRoot, 'node_modules', '.cache', 'bench');
  await mkdir(cache, { recursive: true });
  const outfile = join(cache, `${basename(driver, '.ts')}-${process.pid}.mjs`);
  await build({ entryPoints: [driver], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning' });
  await import(pathToFileURL(outfile).href);
}
