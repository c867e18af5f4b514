import type { Platform } from './plugin.js';

/** The platform this code runs on: `node` when `process.versions.node` is set, else `browser`. */
export function currentPlatform(): Platform {
  const processLike = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof processLike?.versions?.node === 'string' ? 'node' : 'browser';
}
