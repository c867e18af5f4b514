import { activateTfjsBackend } from './activate-backend.js';
import { BackendError } from './errors.js';
import type { BackendPlugin, LoadedBackend } from './plugin.js';

/** The package the cpu plugin loads; an optional peer of @digitlab/backend. */
const cpuPackage = '@tensorflow/tfjs-backend-cpu';

/**
 * The `cpu` plugin: tfjs's pure-JavaScript reference engine. It lives in the spec package rather than
 * a package of its own because it is the last resort every platform has, it weighs nothing until
 * `load()` imports it, and it is the reference every other engine's kernels are checked against.
 * Lowest priority: `auto` picks it only when nothing faster loads.
 */
export function createCpuPlugin(): BackendPlugin {
  return {
    specificationVersion: 'v1',
    name: 'cpu',
    tfjsBackendName: 'cpu',
    platforms: ['node', 'browser'],
    priority: 0,
    async detect() {
      // Resolving a module without importing it is only possible in Node; a bundler that left the
      // import in place has the package, so the browser answers "available" and lets load() decide.
      const resolvable = canResolve(cpuPackage);
      return resolvable === false
        ? { available: false, reason: `${cpuPackage} not installed`, fix: `npm install ${cpuPackage}@4.22.0` }
        : { available: true, reason: 'pure JavaScript reference engine (slow, always correct)' };
    },
    async load(): Promise<LoadedBackend> {
      try {
        // Imported here, not at module scope: the import registers the `cpu` tfjs backend.
        await import('@tensorflow/tfjs-backend-cpu');
      } catch (error) {
        throw new BackendError(`cannot import ${cpuPackage}: ${(error as Error).message}. Run "npm install ${cpuPackage}@4.22.0".`, { cause: error });
      }
      await activateTfjsBackend('cpu');
      return { name: 'cpu', tfjsBackendName: 'cpu', capabilities: { threads: 1 } };
    },
  };
}

/** True/false in Node (resolution without import), `undefined` where modules cannot be resolved. */
function canResolve(specifier: string): boolean | undefined {
  const resolve = (import.meta as { resolve?: (specifier: string) => string }).resolve;
  if (typeof resolve !== 'function') return undefined;
  try {
    resolve(specifier);
    return true;
  } catch {
    return false;
  }
}
