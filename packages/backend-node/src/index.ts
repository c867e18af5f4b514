/**
 * @digitlab/backend-node — the `tensorflow` backend plugin (libtensorflow via the optional peer
 * `@tensorflow/tfjs-node`), and the inspection/loading of tfjs-node style packages that
 * `@digitlab/backend-cuda` shares.
 *
 * - `createNodePlugin(options?)`: the plugin.
 * - `inspectNativePackage`, `loadNativePackage`, `rebuildCommand`: for the CUDA plugin and diagnostics.
 */
export { createNodePlugin, type NodePluginOptions } from './node-plugin.js';
export { inspectNativePackage, rebuildCommand, tfjsVersion, type NativePackageStatus, type ResolveOptions } from './native-package.js';
export { loadNativePackage, NativeLoadError } from './load-native-package.js';
