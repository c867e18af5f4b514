/**
 * @digitlab/backend-webgpu — the `webgpu` backend plugin: tfjs-backend-webgpu (an optional peer),
 * where the browser exposes WebGPU.
 *
 * - `createWebgpuPlugin(options?)`: the plugin (`@digitlab/backend` contract v1).
 * - `WEBGPU_PLUGIN_PRIORITY`: its rank under `auto`.
 */
export { createWebgpuPlugin, WEBGPU_PLUGIN_PRIORITY, type WebgpuPluginOptions } from './webgpu-plugin.js';
