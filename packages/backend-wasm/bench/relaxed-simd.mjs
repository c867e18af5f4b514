// @digitlab-bench skip: a helper of the other benches
// Benches are apps: like apps/cli, they let Node 20 validate relaxed SIMD (on by default from Node 22)
// so that the plugin picks the FMA build of our kernels. Import this module first.
import { setFlagsFromString } from 'node:v8';

if (Number(process.versions.node.split('.')[0]) < 22) setFlagsFromString('--experimental-wasm-relaxed-simd');

/**
 * A build named on a bench's command line: a dist folder of this package (relative to it), then
 * options after colons: ":plain" forces the mul + add kernels (relaxedSimd: false), ":xnn1" runs
 * XNNPACK's operators on one thread (xnnpackThreads: 1, the default beside our kernel threads),
 * ":xnnall" on every thread (beside our pool, as before that default), ":nopool" keeps our kernels on the
 * calling thread (threadedKernels: false), ":oursconv" / ":stockconv" run every forward convolution
 * on our kernel / on XNNPACK (conv2dChoice.force), ":nowinograd" runs no convolution by Winograd
 * (conv2dChoice.winograd = false), ":nodetach" splits filter gradients over the pool instead of running
 * them detached on its worker (internal/detached-calls.ts); e.g. "dist:plain" vs "dist", "dist:xnn1".
 */
export function parseBuild(spec) {
  const [dir, ...modes] = spec.split(':');
  const pluginOptions = {};
  let conv;
  let winograd;
  let detach;
  for (const mode of modes) {
    if (mode === 'plain') pluginOptions.relaxedSimd = false;
    else if (mode === 'xnn1') pluginOptions.xnnpackThreads = 1;
    else if (mode === 'xnnall') pluginOptions.xnnpackThreads = 8; // capped at the thread count: XNNPACK on every thread
    else if (mode === 'nopool') pluginOptions.threadedKernels = false;
    else if (mode === 'oursconv' || mode === 'stockconv') conv = mode === 'oursconv' ? 'ours' : 'stock';
    else if (mode === 'nowinograd') winograd = false;
    else if (mode === 'nodetach') detach = false;
    else throw new Error(`unknown build mode "${mode}" in "${spec}": use plain, xnn1, xnnall, nopool, oursconv, stockconv, nowinograd or nodetach`);
  }
  return {
    url: new URL(`../${dir}/index.js`, import.meta.url).href,
    pluginOptions,
    conv,
    winograd,
    detach,
    convUrl: new URL(`../${dir}/kernels/conv2d.js`, import.meta.url).href,
    detachedUrl: new URL(`../${dir}/internal/detached-calls.js`, import.meta.url).href,
  };
}

/** Loads a build's plugin; says on stderr when the FMA build was asked for but does not run. */
export async function loadBuild(spec, threads) {
  const { url, pluginOptions, conv, winograd, detach, convUrl, detachedUrl } = parseBuild(spec);
  const { createWasmPlugin } = await import(url);
  if (conv) (await import(convUrl)).conv2dChoice.force = conv;
  if (winograd !== undefined) (await import(convUrl)).conv2dChoice.winograd = winograd;
  if (detach !== undefined) (await import(detachedUrl)).detachedKernels.filterGradient = detach;
  const loaded = await createWasmPlugin(pluginOptions).load({ threads });
  if (!spec.split(':').includes('plain') && loaded.capabilities.relaxedSimd !== true) {
    process.stderr.write(`${spec}: no FMA kernels (${loaded.capabilities.relaxedSimdFallback ?? 'a build without relaxed SIMD'})\n`);
  }
  return loaded;
}
