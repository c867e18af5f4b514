/**
 * @digitlab/backend — the backend plugin interface, a registry and selection.
 * No heavy dependency: each engine lives in its own `@digitlab/backend-*` package.
 */
export type { BackendPlugin, Detection, LoadOptions, LoadedBackend, Platform } from './plugin.js';
