/**
 * Runs a TypeScript bench driver from a `bench/*.mjs` entry: esbuild bundles the driver (and the
 * repository's TypeScript test support it imports, such as test-support/browser/) for Node, with
 * packages left as imports, into the package's node_modules/ (one folder below the package root,
 * as bench/ is, so `new URL('../…', import.meta.url)` in the bundled code still finds the package's
 * files), then imports it. Packages resolve to their built dist/, which `pnpm bench` builds first.
 */
import { mkdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

/** Bundles the driver at `driverUrl` (a `.ts` file URL inside a package's bench/ folder) and runs it. */
export async function runTypeScriptBench(driverUrl) {
  const driver = fileURLToPath(driverUrl);
  const packageRoot = dirname(dirname(driver));
  await mkdir(join(packageRoot, 'node_modules'), { recursive: true });
  const outfile = join(packageRoot, 'node_modules', `.bench-${basename(driver, '.ts')}-${process.pid}.mjs`);
  await build({ entryPoints: [driver], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning' });
  try {
    await import(pathToFileURL(outfile).href);
  } finally {
    await rm(outfile, { force: true });
  }
}
