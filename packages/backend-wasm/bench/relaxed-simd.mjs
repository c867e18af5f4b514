// @digitlab-bench skip: a helper of the other benches
// Benches are apps: like apps/cli, they let Node 20 validate relaxed SIMD (on by default from Node 22)
// so that the plugin picks the FMA build of our kernels. Import this module first.
import { setFlagsFromString } from 'node:v8';

if (Number(process.versions.node.split('.')[0]) < 22) setFlagsFromString('--experimental-wasm-relaxed-simd');

/**
 * A build named on a bench's command line: a dist folder of this package (relative to it), with
 * ":plain" to force the mul + add kernels (relaxedSimd: false), e.g. "dist:plain" vs "dist".
 */
export function parseBuild(spec) {
  const [dir, mode] = spec.split(':');
  if (mode !== undefined && mode !== 'plain') throw new Error(`unknown build mode in "${spec}": use "${dir}" (FMA where supported) or "${dir}:plain"`);
  return { url: new URL(`../${dir}/index.js`, import.meta.url).href, pluginOptions: mode === 'plain' ? { relaxedSimd: false } : {} };
}

/** Loads a build's plugin; says on stderr when the FMA build was asked for but does not run. */
export async function loadBuild(spec, threads) {
  const { url, pluginOptions } = parseBuild(spec);
  const { createWasmPlugin } = await import(url);
  const loaded = await createWasmPlugin(pluginOptions).load({ threads });
  if (!spec.endsWith(':plain') && loaded.capabilities.relaxedSimd !== true) {
    process.stderr.write(`${spec}: no FMA kernels (${loaded.capabilities.relaxedSimdFallback ?? 'a build without relaxed SIMD'})\n`);
  }
  return loaded;
}
