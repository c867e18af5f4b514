import type { PeerSuiteOutcome } from './peer-suite-result.js';

/**
 * Runs tfjs-core's own test files (relative to its `dist/`) against `ours` (createWasmPlugin, our
 * kernels registered) or `stock` tfjs-backend-wasm, in a child Node process.
 */
export declare function runPeerSuite(options: { backend: 'ours' | 'stock'; files: readonly string[]; timeoutMs?: number }): Promise<PeerSuiteOutcome & { bundleMs: number; runMs: number }>;

/** The source of a bundle entry that runs `files` (relative to tfjs-core's `dist/`) through `mainExport` of `mainModule`. */
export declare function specEntrySource(mainModule: string, mainExport: string, files: readonly string[]): string;
