/**
 * The backend plugin contract (specification v1). A plugin describes one engine; it is cheap to
 * import (no heavy dependency at module scope) and only `load()` pulls the engine in.
 */

/** Where a plugin can run. */
export type Platform = 'node' | 'browser';

/** What `detect()` found: whether the engine can run here, and if not, why and how to fix it. */
export interface Detection {
  available: boolean;
  /** Human-readable reason, e.g. "@tensorflow/tfjs-node is not installed". */
  reason: string;
  /** The command that would make it available, e.g. "npm install @tensorflow/tfjs-node@4.22.0". */
  fix?: string;
}

/** Options a caller may pass to `load()`; plugins ignore what does not apply to them. */
export interface LoadOptions {
  /** Worker threads for engines that support them (wasm). `undefined` lets the plugin choose. */
  threads?: number;
}

/** What a loaded engine reports about itself. */
export interface LoadedBackend {
  /** The plugin name (`wasm`, `cpu`, `tensorflow`, `cuda`, ...). */
  name: string;
  /** The tfjs backend name that is now current (`tf.getBackend()`). */
  tfjsBackendName: string;
  /** Capabilities worth logging: SIMD, threads, device, ... */
  capabilities: Record<string, string | number | boolean>;
}

/** One engine. */
export interface BackendPlugin {
  readonly specificationVersion: 'v1';
  readonly name: string;
  readonly tfjsBackendName: string;
  readonly platforms: readonly Platform[];
  /**
   * Higher wins under `auto`. The scale the shipped plugins use: `cpu` 0 (fallback, below 100),
   * `wasm` 100, native engines above 100 (`tensorflow` 300, `cuda` 400).
   */
  readonly priority: number;
  /** Side-effect free and cheap: never imports the engine, never changes the current backend. */
  detect(): Promise<Detection>;
  /** Imports the engine, registers its tfjs backend and our kernels, and makes it current. */
  load(options?: LoadOptions): Promise<LoadedBackend>;
}
