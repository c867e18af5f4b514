/**
 * The `webgl` plugin: tfjs-backend-webgl (an optional peer), tfjs's GPU engine in browsers.
 */
import { activateTfjsBackend, BackendError, type BackendPlugin, type Detection, type LoadedBackend } from '@digitlab/backend';
import { probeWebgl, type WebglProbe } from './probe-webgl.js';

/**
 * Priority under `auto`: above `wasm` (100) on a hardware GPU. A software renderer (SwiftShader,
 * llvmpipe) is not offered to `auto` at all (see `allowSoftwareRenderer`).
 */
export const WEBGL_PLUGIN_PRIORITY = 200;

/** Options of `createWebglPlugin`. */
export interface WebglPluginOptions {
  /**
   * Offer WebGL when the browser renders it in software (SwiftShader, llvmpipe, Microsoft Basic
   * Render Driver); default false. In Chromium on a 2-core host without a GPU, a fast-cnn training
   * step ran several times slower on SwiftShader WebGL than on wasm (figures in the README), so by
   * default `detect()` reports such a WebGL as unavailable, with that reason, and `auto` moves on.
   */
  allowSoftwareRenderer?: boolean;
}

const packageName = '@tensorflow/tfjs-backend-webgl';

/**
 * Creates the `webgl` plugin. Importing this package or calling this function changes nothing;
 * `detect()` opens a 1×1 WebGL context to read the renderer and releases it at once; `load()`
 * imports tfjs-backend-webgl and makes `webgl` the current tfjs backend.
 */
export function createWebglPlugin(options: WebglPluginOptions = {}): BackendPlugin {
  const detect = async (): Promise<Detection> => describe(probeWebgl(), options);
  return {
    specificationVersion: 'v1',
    name: 'webgl',
    tfjsBackendName: 'webgl',
    platforms: ['browser'],
    priority: WEBGL_PLUGIN_PRIORITY,
    detect,
    async load(): Promise<LoadedBackend> {
      const probe = probeWebgl();
      const detection = describe(probe, options);
      if (!detection.available) throw new BackendError(`webgl cannot run here: ${detection.reason}.${detection.fix ? ` ${detection.fix}` : ''}`);
      try {
        // Imported here, not at module scope: the import registers the `webgl` tfjs backend.
        await import('@tensorflow/tfjs-backend-webgl');
      } catch (error) {
        throw new BackendError(`cannot import ${packageName}: ${(error as Error).message}. Install it: npm install ${packageName}@4.22.0`, { cause: error });
      }
      await activateTfjsBackend('webgl');
      return {
        name: 'webgl',
        tfjsBackendName: 'webgl',
        capabilities: { webglVersion: probe.version, renderer: probe.renderer ?? 'unknown', softwareRenderer: probe.software },
      };
    },
  };
}

function describe(probe: WebglProbe, options: WebglPluginOptions): Detection {
  if (probe.version === 0) return { available: false, reason: probe.reason ?? 'no WebGL context could be created' };
  const on = `WebGL ${probe.version} on ${probe.renderer ?? 'an unnamed renderer'}`;
  if (probe.software && options.allowSoftwareRenderer !== true) {
    return {
      available: false,
      reason: `${on} is rendered in software, slower than wasm for training (measured: see @digitlab/backend-webgl's README)`,
      fix: 'createWebglPlugin({ allowSoftwareRenderer: true }) to use it anyway',
    };
  }
  return { available: true, reason: on };
}
