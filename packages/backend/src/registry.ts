import { InvalidPluginError, UnknownBackendError } from './errors.js';
import type { BackendPlugin } from './plugin.js';

/**
 * The plugins an application offers, by name. It only holds descriptions: tfjs-core keeps the
 * registry of engines and kernels, and a plugin reaches it only when it is loaded.
 */
export interface BackendRegistry {
  /** Adds a plugin; throws InvalidPluginError on a duplicate name or an unknown specification version. */
  register(plugin: BackendPlugin): void;
  /** Every plugin, highest priority first (ties keep registration order). */
  list(): BackendPlugin[];
  /** The plugin called `name`; throws UnknownBackendError listing the valid names. */
  get(name: string): BackendPlugin;
  /** True when a plugin called `name` is registered. */
  has(name: string): boolean;
}

/** Creates a registry holding `plugins`. */
export function createBackendRegistry(plugins: Iterable<BackendPlugin> = []): BackendRegistry {
  const byName = new Map<string, BackendPlugin>();
  const registry: BackendRegistry = {
    register(plugin) {
      if (plugin.specificationVersion !== 'v1') {
        throw new InvalidPluginError(
          `backend plugin "${plugin.name}" implements specification "${String(plugin.specificationVersion)}". ` +
            'Should be one of: v1. Upgrade @digitlab/backend or use a plugin built for v1.',
        );
      }
      if (byName.has(plugin.name)) {
        throw new InvalidPluginError(`a backend plugin named "${plugin.name}" is already registered. Register each plugin once.`);
      }
      byName.set(plugin.name, plugin);
    },
    list() {
      // Array.prototype.sort is stable, so equal priorities keep registration order.
      return [...byName.values()].sort((a, b) => b.priority - a.priority);
    },
    get(name) {
      const plugin = byName.get(name);
      if (!plugin) throw new UnknownBackendError(name, registry.list().map((candidate) => candidate.name));
      return plugin;
    },
    has(name) {
      return byName.has(name);
    },
  };
  for (const plugin of plugins) registry.register(plugin);
  return registry;
}
