import type { PeerSuiteOutcome } from './peer-suite-result.js';

/** tfjs-core's `dist/` folder, where its test files live. */
export declare const tfjsCoreDist: string;

/**
 * Runs tfjs-core's own test files (relative to its `dist/`) against `ours` (createWasmPlugin, our
 * kernels registered) or `stock` tfjs-backend-wasm, in a child Node process.
 */
export declare function runPeerSuite(options: { backend: 'ours' | 'stock'; files: readonly string[]; timeoutMs?: number }): Promise<PeerSuiteOutcome & { bundleMs: number; runMs: number }>;
