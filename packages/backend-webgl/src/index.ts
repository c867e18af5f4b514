/**
 * @digitlab/backend-webgl — the `webgl` backend plugin: tfjs-backend-webgl (an optional peer),
 * tfjs's GPU engine in browsers.
 *
 * - `createWebglPlugin(options?)`: the plugin (`@digitlab/backend` contract v1).
 * - `WEBGL_PLUGIN_PRIORITY`: its rank under `auto`.
 */
export { createWebglPlugin, WEBGL_PLUGIN_PRIORITY, type WebglPluginOptions } from './webgl-plugin.js';
