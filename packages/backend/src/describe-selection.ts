import type { SkippedBackend } from './errors.js';
import type { LoadedBackend } from './plugin.js';

/**
 * Renders a selection as one log line:
 * `using wasm (simd, 2 threads); cuda skipped: @tensorflow/tfjs-node-gpu not installed`.
 * Capabilities render as `name` when true, `no name` when false, `N name` for numbers and
 * `name value` for strings.
 */
export function describeSelection({ chosen, skipped }: { chosen: LoadedBackend; skipped: readonly SkippedBackend[] }): string {
  const capabilities = describeCapabilities(chosen.capabilities);
  const using = `using ${chosen.name}${capabilities ? ` (${capabilities})` : ''}`;
  return [using, ...skipped.map((entry) => `${entry.name} skipped: ${entry.reason}`)].join('; ');
}

/** Renders capabilities as a comma list, e.g. `simd, 2 threads`. */
export function describeCapabilities(capabilities: LoadedBackend['capabilities']): string {
  return Object.entries(capabilities)
    .map(([key, value]) => {
      if (typeof value === 'boolean') return value ? key : `no ${key}`;
      // "1 thread", "2 threads": capability keys are plural nouns.
      if (typeof value === 'number') return `${value} ${value === 1 && key.endsWith('s') ? key.slice(0, -1) : key}`;
      return `${key} ${value}`;
    })
    .join(', ');
}
