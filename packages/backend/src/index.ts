/**
 * @digitlab/backend — the backend plugin interface, a registry and selection.
 * No heavy dependency: each engine lives in its own `@digitlab/backend-*` package; the `cpu` plugin
 * is here because it is the fallback every platform has, and it imports its engine only in load().
 *
 * - `createBackendRegistry`, `detectAll`, `selectBackend`, `describeSelection`: choose an engine.
 * - `createCpuPlugin`: the reference engine.
 * - `activateTfjsBackend`, `restoreTfjsBackend`, `currentTfjsBackend`: for plugin authors.
 * - `expectNoTensorLeaks`, `countTensorLeaks`, `liveTensorCount`: leak checks for tests and benchmarks.
 */
export type { BackendPlugin, Detection, LoadOptions, LoadedBackend, Platform } from './plugin.js';
export { createBackendRegistry, type BackendRegistry } from './registry.js';
export { detectAll, detectPlugin, type PluginReport, type PluginSource } from './detect-all.js';
export { selectBackend, type BackendPreference, type BackendSelection, type SelectBackendOptions } from './select-backend.js';
export { describeSelection, describeCapabilities } from './describe-selection.js';
export { createCpuPlugin } from './cpu-plugin.js';
export { activateTfjsBackend, restoreTfjsBackend, currentTfjsBackend } from './activate-backend.js';
export { currentPlatform } from './platform.js';
export { expectNoTensorLeaks, countTensorLeaks, liveTensorCount } from './tensor-leaks.js';
export {
  BackendError,
  InvalidPluginError,
  NoBackendAvailableError,
  TensorLeakError,
  UnknownBackendError,
  type SkippedBackend,
} from './errors.js';
