import { currentPlatform } from './platform.js';
import type { BackendPlugin, Detection, Platform } from './plugin.js';
import { createBackendRegistry, type BackendRegistry } from './registry.js';

/** What `detectAll` reports for one plugin. */
export interface PluginReport {
  name: string;
  tfjsBackendName: string;
  priority: number;
  platforms: readonly Platform[];
  detection: Detection;
}

/** Plugins given either as a registry or as a plain list. */
export type PluginSource = BackendRegistry | Iterable<BackendPlugin>;

/** @internal Normalises a PluginSource to a registry. */
export function toRegistry(source: PluginSource): BackendRegistry {
  return isRegistry(source) ? source : createBackendRegistry(source);
}

function isRegistry(source: PluginSource): source is BackendRegistry {
  return typeof (source as BackendRegistry).register === 'function' && typeof (source as BackendRegistry).list === 'function';
}

/**
 * Runs one plugin's `detect()`, answering "unavailable" without calling it when the plugin does not
 * run on `platform`, and turning a throwing detector into an unavailable result.
 */
export async function detectPlugin(plugin: BackendPlugin, platform: Platform = currentPlatform()): Promise<Detection> {
  if (!plugin.platforms.includes(platform)) {
    return { available: false, reason: `runs on ${plugin.platforms.join(', ')} only, not ${platform}` };
  }
  try {
    return await plugin.detect();
  } catch (error) {
    return { available: false, reason: `detect() failed: ${(error as Error).message}` };
  }
}

/**
 * Detects every plugin (highest priority first) without loading any: side-effect free, suitable for
 * `digitlab backends`.
 */
export async function detectAll(plugins: PluginSource, { platform = currentPlatform() }: { platform?: Platform } = {}): Promise<PluginReport[]> {
  return Promise.all(
    toRegistry(plugins)
      .list()
      .map(async (plugin) => ({
        name: plugin.name,
        tfjsBackendName: plugin.tfjsBackendName,
        priority: plugin.priority,
        platforms: plugin.platforms,
        detection: await detectPlugin(plugin, platform),
      })),
  );
}
