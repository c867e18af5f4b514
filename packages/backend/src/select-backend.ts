import { currentTfjsBackend, restoreTfjsBackend } from './activate-backend.js';
import { detectPlugin, toRegistry, type PluginSource } from './detect-all.js';
import { NoBackendAvailableError, UnknownBackendError, type SkippedBackend } from './errors.js';
import { currentPlatform } from './platform.js';
import type { BackendPlugin, LoadedBackend, LoadOptions, Platform } from './plugin.js';

/** `auto`, one plugin name, or names to try in order (`auto` inside a list means "then the rest by priority"). */
export type BackendPreference = 'auto' | (string & {}) | readonly string[];

/** Options of `selectBackend`. */
export interface SelectBackendOptions {
  /** The plugins to choose from. */
  plugins: PluginSource;
  /** Defaults to the platform this code runs on. */
  platform?: Platform;
  /** Passed to every `load()` tried. */
  loadOptions?: LoadOptions;
  /** Receives one line per plugin tried (debug detail); the decision itself is for the caller to log. */
  logger?: (message: string) => void;
}

/** The outcome of `selectBackend`. */
export interface BackendSelection {
  /** The backend that is now current. */
  chosen: LoadedBackend;
  /** The plugins tried before it, in order, with the reason each was passed over. */
  skipped: SkippedBackend[];
}

/**
 * Picks and loads a backend: an explicit name, an ordered list, or `auto` (highest priority whose
 * `detect()` says available and whose `load()` succeeds). A plugin that detects as unavailable is
 * never loaded. When nothing loads, throws one NoBackendAvailableError listing every plugin tried;
 * an unknown name throws UnknownBackendError before anything is loaded.
 */
export async function selectBackend(preference: BackendPreference, options: SelectBackendOptions): Promise<BackendSelection> {
  const { platform = currentPlatform(), loadOptions, logger } = options;
  const registry = toRegistry(options.plugins);
  const candidates = orderCandidates(preference, registry.list(), platform);
  const previousBackend = currentTfjsBackend();
  const skipped: SkippedBackend[] = [];
  const loadErrors: unknown[] = [];
  for (const plugin of candidates) {
    const detection = await detectPlugin(plugin, platform);
    if (!detection.available) {
      logger?.(`${plugin.name}: not available: ${detection.reason}`);
      skipped.push({ name: plugin.name, reason: detection.reason, ...(detection.fix ? { fix: detection.fix } : {}) });
      continue;
    }
    try {
      const chosen = await plugin.load(loadOptions);
      logger?.(`${plugin.name}: loaded`);
      return { chosen, skipped };
    } catch (error) {
      loadErrors.push(error);
      const message = (error as Error).message;
      logger?.(`${plugin.name}: load() failed: ${message}`);
      skipped.push({ name: plugin.name, reason: `load() failed: ${message}`, ...(detection.fix ? { fix: detection.fix } : {}) });
    }
  }
  // A failed load can leave tfjs pointing at a backend that never initialised; put back what worked.
  await restoreTfjsBackend(previousBackend).catch(() => undefined);
  throw new NoBackendAvailableError(skipped, loadErrors.length > 0 ? { cause: new AggregateError(loadErrors, 'load() failures') } : undefined);
}

/** Turns a preference into the ordered, de-duplicated plugins to try; validates every name first. */
function orderCandidates(preference: BackendPreference, byPriority: BackendPlugin[], platform: Platform): BackendPlugin[] {
  const names = typeof preference === 'string' ? [preference] : [...preference];
  const validNames = byPriority.map((plugin) => plugin.name);
  const unknown = names.find((name) => name !== 'auto' && !validNames.includes(name));
  if (unknown !== undefined) throw new UnknownBackendError(unknown, validNames);
  if (names.length === 0) throw new UnknownBackendError('', validNames);
  const ordered = new Map<string, BackendPlugin>();
  for (const name of names) {
    if (name === 'auto') {
      // `auto` passes over plugins for another platform silently: webgl is no news on a server.
      for (const plugin of byPriority) if (plugin.platforms.includes(platform) && !ordered.has(plugin.name)) ordered.set(plugin.name, plugin);
    } else if (!ordered.has(name)) {
      ordered.set(name, byPriority.find((plugin) => plugin.name === name)!);
    }
  }
  return [...ordered.values()];
}
