/**
 * Bundles an entry for the browser with esbuild, as a user's bundler would: `platform: 'browser'`,
 * no externals and no Node shims, so a `node:*` import or a Node-only package anywhere in the graph
 * fails the build with esbuild's own message naming the import chain.
 */
import { build, type BuildResult, type Metafile } from 'esbuild';

export interface BrowserBundleOptions {
  /** Entry file (TypeScript or JavaScript). */
  entry: string;
  /** Output file. */
  outfile: string;
  /** Resolve workspace packages to their `src/` (default true; false bundles the built `dist/`). */
  fromSource?: boolean;
  minify?: boolean;
  /**
   * Folders searched after the usual node_modules lookup (esbuild's `nodePaths`): for a module that
   * requires a package it does not depend on, as tfjs-core's test helpers require jasmine-core.
   */
  nodePaths?: string[];
}

/** Builds the bundle; rejects with esbuild's errors when anything in the graph is not browser-ready. */
export async function bundleForBrowser({ entry, outfile, fromSource = true, minify = false, nodePaths = [] }: BrowserBundleOptions): Promise<Metafile> {
  const result: BuildResult<{ metafile: true }> = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    conditions: fromSource ? ['@digitlab/source'] : [],
    metafile: true,
    minify,
    nodePaths,
    logLevel: 'silent',
  });
  return result.metafile;
}
