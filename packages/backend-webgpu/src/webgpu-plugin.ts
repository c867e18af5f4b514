/**
 * The `webgpu` plugin: tfjs-backend-webgpu (an optional peer), where the browser exposes WebGPU.
 */
import { activateTfjsBackend, BackendError, type BackendPlugin, type Detection, type LoadedBackend } from '@digitlab/backend';

/**
 * Priority under `auto`: above `webgl` (200) and `wasm` (100) on a hardware adapter. A fallback
 * (software) adapter is not offered to `auto` at all (see `allowFallbackAdapter`).
 */
export const WEBGPU_PLUGIN_PRIORITY = 250;

/** Options of `createWebgpuPlugin`. */
export interface WebgpuPluginOptions {
  /**
   * Offer WebGPU when the browser's only adapter is a fallback (software, e.g. SwiftShader);
   * default false: such an adapter is reported unavailable, with that reason, and `auto` moves on.
   */
  allowFallbackAdapter?: boolean;
}

interface AdapterLike {
  readonly isFallbackAdapter?: boolean;
  readonly info?: { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean };
}
interface GpuLike {
  requestAdapter(options?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<AdapterLike | null>;
}

const packageName = '@tensorflow/tfjs-backend-webgpu';

/**
 * Creates the `webgpu` plugin. Importing this package or calling this function changes nothing;
 * `detect()` asks for an adapter (no device) to see what the browser offers; `load()` imports
 * tfjs-backend-webgpu and makes `webgpu` the current tfjs backend.
 */
export function createWebgpuPlugin(options: WebgpuPluginOptions = {}): BackendPlugin {
  const probe = async (): Promise<Detection & { adapter?: string; fallback?: boolean }> => {
    const gpu = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator?.gpu;
    if (gpu === undefined) return { available: false, reason: 'this browser does not expose WebGPU (navigator.gpu is missing)' };
    let adapter: AdapterLike | null;
    try {
      adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    } catch (error) {
      return { available: false, reason: `navigator.gpu.requestAdapter() failed: ${(error as Error).message}` };
    }
    if (adapter === null) return { available: false, reason: 'navigator.gpu.requestAdapter() returned no adapter (no usable GPU, or WebGPU disabled)' };
    const fallback = adapter.info?.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false;
    const name = [adapter.info?.vendor, adapter.info?.architecture, adapter.info?.description].filter((part) => part).join(' ') || 'an unnamed adapter';
    if (fallback && options.allowFallbackAdapter !== true) {
      return { available: false, reason: `the only WebGPU adapter is a fallback (software) one (${name})`, fix: 'createWebgpuPlugin({ allowFallbackAdapter: true }) to use it anyway', adapter: name, fallback };
    }
    return { available: true, reason: `WebGPU on ${name}${fallback ? ' (fallback adapter)' : ''}`, adapter: name, fallback };
  };
  return {
    specificationVersion: 'v1',
    name: 'webgpu',
    tfjsBackendName: 'webgpu',
    platforms: ['browser'],
    priority: WEBGPU_PLUGIN_PRIORITY,
    async detect() {
      const { available, reason, fix } = await probe();
      return { available, reason, ...(fix ? { fix } : {}) };
    },
    async load(): Promise<LoadedBackend> {
      const detection = await probe();
      if (!detection.available) throw new BackendError(`webgpu cannot run here: ${detection.reason}.${detection.fix ? ` ${detection.fix}` : ''}`);
      try {
        // Imported here, not at module scope: the import registers the `webgpu` tfjs backend.
        await import('@tensorflow/tfjs-backend-webgpu');
      } catch (error) {
        throw new BackendError(`cannot import ${packageName}: ${(error as Error).message}. Install it: npm install ${packageName}@4.22.0`, { cause: error });
      }
      await activateTfjsBackend('webgpu');
      return { name: 'webgpu', tfjsBackendName: 'webgpu', capabilities: { adapter: detection.adapter ?? 'unknown', fallbackAdapter: detection.fallback ?? false } };
    },
  };
}
